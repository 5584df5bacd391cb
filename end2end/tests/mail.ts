// The emails the test server sent, as the real SMTP server the test run started
// (aiosmtpd) keeps them: one file per message in the maildir named by APILOGS_MAILDIR.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export type Email = { file: string; to: string; subject: string; body: string };

/** Every email received so far. */
export function received(): Email[] {
  const maildir = process.env.APILOGS_MAILDIR;
  if (!maildir) throw new Error("APILOGS_MAILDIR is not set: `make test` starts the SMTP server");
  let files: string[];
  try {
    files = readdirSync(join(maildir, "new"));
  } catch {
    return [];
  }
  return files.map((file) => {
    const raw = readFileSync(join(maildir, "new", file), "utf8");
    const [head, ...rest] = raw.split(/\r?\n\r?\n/);
    // Folded header lines unfolded; quoted-printable soft breaks undone in the body.
    const headers = head.replace(/\r?\n[ \t]/g, " ").split(/\r?\n/);
    const header = (name: string) =>
      headers.find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2) ?? "";
    const body = rest.join("\n\n").replace(/=\r?\n/g, "").replace(/=3D/g, "=");
    return { file, to: header("X-RcptTo"), subject: header("Subject"), body };
  });
}

/** The emails received since `before` (a list of what had been received then). */
export function since(before: Email[]): Email[] {
  const seen = new Set(before.map((email) => email.file));
  return received().filter((email) => !seen.has(email.file));
}

/** `2026-12-10 09:00:00 UTC`, as the emails write a time. */
export function utcText(iso: string): string {
  return new Date(iso).toISOString().slice(0, 19).replace("T", " ") + " UTC";
}

/** What has been received once nothing more has come for two seconds (the server's
 * outbox sends every second): earlier tests' emails are all in. */
export async function settled(): Promise<Email[]> {
  for (;;) {
    const before = received();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const after = received();
    if (after.length === before.length) return after;
  }
}
