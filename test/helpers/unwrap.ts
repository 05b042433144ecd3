/** Joins the table renderer's wrapped continuation lines, so a test can look for a whole sentence whatever the width. */
export function unwrap(text: string): string {
  return text.replace(/\n {2,}(?=\S)/g, ' ');
}
