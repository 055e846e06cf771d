import { describe, expect, it } from 'vitest';
import { inClusterApi, parseDoctorArgs } from '../../src/doctor/doctor-options';

describe('doctor: its command line', () => {
  it('--path repeats, --mount is normalised, the in-cluster API comes from the kubelet variables', () => {
    const options = parseDoctorArgs(
      ['--role=app', '--mount', '/auth/k8s-east/', '--path', 'a/b', '--path=c/d', '--json'],
      { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '6443' },
    );
    expect(options).toEqual({
      role: 'app',
      mount: 'k8s-east',
      tokenPath: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      paths: ['a/b', 'c/d'],
      json: true,
      kubernetesHost: 'https://10.0.0.1:6443',
    });
    expect(inClusterApi({ KUBERNETES_SERVICE_HOST: 'fd00::1' })).toBe('https://[fd00::1]:443');
    expect(inClusterApi({})).toBeUndefined();
  });

  it('refuses what it does not understand instead of checking something else', () => {
    expect(() => parseDoctorArgs(['--rol', 'x'], {})).toThrow('doctor: unknown option --rol');
    expect(() => parseDoctorArgs(['--role'], {})).toThrow('doctor: --role needs a value');
    expect(() => parseDoctorArgs(['--role', '--json'], {})).toThrow('doctor: --role needs a value');
    expect(() => parseDoctorArgs(['--role', 'a', '--role', 'b'], {})).toThrow('--role was given 2 times');
    expect(() => parseDoctorArgs(['role'], {})).toThrow('unexpected argument "role"');
  });
});
