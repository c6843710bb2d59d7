/** What `tsible convert` reports: a construct it cannot convert exactly, or a caveat about one it did */

/** a construct with no exact tsible equivalent, at an offset of the text being converted */
export class ConvertProblem extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
    this.name = "ConvertProblem";
  }
}

/** a problem or warning placed in its file */
export interface Finding {
  line: number;
  column: number;
  message: string;
}
