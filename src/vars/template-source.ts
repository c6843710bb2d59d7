/** Where a template comes from: what an error in it names */
export interface TemplateSource {
  file: string;
  line?: number;
  task?: string;
  /** directory for lookup('file') */
  baseDir?: string;
}
