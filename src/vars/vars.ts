/** A set of variables by name: inventory, play, role, task and extra vars alike */
export type Vars = Record<string, unknown>;
