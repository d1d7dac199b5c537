import * as fs from 'fs';
import * as path from 'path';

export const HELP_DIR = path.resolve(__dirname, '..', '..', 'help');

export interface CodeFragment {
  /** `help/RUNBOOK.md:123` */
  readonly where: string;
  readonly text: string;
}

export interface HelpFile {
  readonly name: string;
  readonly lines: string[];
  /** Fenced block lines and inline code spans, each with its line. */
  readonly code: CodeFragment[];
  /** Lines outside fenced blocks. */
  readonly prose: CodeFragment[];
  /** Lines inside fenced blocks. */
  readonly fenced: CodeFragment[];
}

export function readHelpFiles(): HelpFile[] {
  return fs
    .readdirSync(HELP_DIR)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((name) => {
      const lines = fs.readFileSync(path.join(HELP_DIR, name), 'utf8').split('\n');
      const code: CodeFragment[] = [];
      const prose: CodeFragment[] = [];
      const fencedLines: CodeFragment[] = [];
      let fenced = false;
      lines.forEach((line, i) => {
        const where = `help/${name}:${i + 1}`;
        if (/^\s*```/.test(line)) {
          fenced = !fenced;
          return;
        }
        if (fenced) {
          code.push({ where, text: line });
          fencedLines.push({ where, text: line });
        }
        else {
          prose.push({ where, text: line });
          for (const span of line.matchAll(/`([^`]+)`/g)) code.push({ where, text: span[1] });
        }
      });
      return { name, lines, code, prose, fenced: fencedLines };
    });
}

/** GitHub's anchors for a file's headings. */
export function headingAnchors(lines: readonly string[]): Set<string> {
  return new Set(
    lines
      .filter((l) => /^#{1,6} /.test(l))
      .map((l) => l.replace(/^#+ /, '').trim().toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')),
  );
}
