/**
 * Vault's built-in `default` policy (vault/policy_store.go, unchanged in substance since 1.12):
 * the same paths and capabilities, comments reworded. OpenBao's copy lacks `sys/renew` and
 * `sys/control-group/request`; Vault CE still ships both.
 */
export const DEFAULT_POLICY_HCL = `
# A token may inspect, renew and revoke itself.
path "auth/token/lookup-self" {
    capabilities = ["read"]
}

path "auth/token/renew-self" {
    capabilities = ["update"]
}

path "auth/token/revoke-self" {
    capabilities = ["update"]
}

# A token may ask what it is allowed to do on a path.
path "sys/capabilities-self" {
    capabilities = ["update"]
}

# A token may read its own entity, by id or by name (templated: only tokens with an entity match).
path "identity/entity/id/{{identity.entity.id}}" {
  capabilities = ["read"]
}
path "identity/entity/name/{{identity.entity.name}}" {
  capabilities = ["read"]
}

# The UI reads the merged ACL of the token through this internal endpoint.
path "sys/internal/ui/resultant-acl" {
    capabilities = ["read"]
}

# Lease renewal by lease_id in the body: the legacy path and the current one.
path "sys/renew" {
    capabilities = ["update"]
}
path "sys/leases/renew" {
    capabilities = ["update"]
}

# Lease lookup needs the lease ID already, so it reveals nothing secret.
path "sys/leases/lookup" {
    capabilities = ["update"]
}

# Every token owns its cubbyhole.
path "cubbyhole/*" {
    capabilities = ["create", "read", "update", "delete", "list"]
}

# Response wrapping: wrap any value, look up a wrapping token, unwrap one.
path "sys/wrapping/wrap" {
    capabilities = ["update"]
}

path "sys/wrapping/lookup" {
    capabilities = ["update"]
}

path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}

# General-purpose hashing tool.
path "sys/tools/hash" {
    capabilities = ["update"]
}
path "sys/tools/hash/*" {
    capabilities = ["update"]
}

# Control group status, for whoever holds the request accessor.
path "sys/control-group/request" {
    capabilities = ["update"]
}

# The OIDC provider authorization endpoint.
path "identity/oidc/provider/+/authorize" {
    capabilities = ["read", "update"]
}
`;
