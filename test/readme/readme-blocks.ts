/** A fenced code block of the README, with the heading it sits under. */
export interface ReadmeBlock {
  lang: string;
  code: string;
  heading: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** Every fenced block (```lang ... ```) in a Markdown text, in order. */
export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const blocks: ReadmeBlock[] = [];
  const lines = markdown.split('\n');
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^#{1,6} /.test(line)) heading = line.replace(/^#+ /, '');
    const open = /^```(\w*)\s*$/.exec(line);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    blocks.push({ lang: open[1]!, code: body.join('\n'), heading, line: start + 1 });
  }
  return blocks;
}

/** Links of a Markdown text: `[text](target)`, without images' and code spans' false hits. */
export function readmeLinks(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
}
