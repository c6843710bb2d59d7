/** The cheap test that decides whether a string needs the template engine at all. */
export function containsTemplateText(text: string): boolean {
  return text.includes("{{");
}
