/** A host a release works on outside the playbook run: its connection and how to become root there */
import type { BecomeOptions, Connection } from "../connection/types.js";

export interface HostTarget {
  name: string;
  connection: Connection;
  /** sudo to root; undefined when the login user is root already */
  become: BecomeOptions | undefined;
}
