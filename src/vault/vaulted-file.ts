/** A YAML or INI file the user wrote, which may be vault-encrypted as a whole */
import { readUserText } from "../text-file.js";
import { isVaulted } from "./envelope.js";
import { activeVaultKeyring } from "./keyring.js";

export interface UserFileText {
  text: string;
  /** the file was vault-encrypted: its values are secrets */
  vaulted: boolean;
}

export async function readMaybeVaultedText(file: string): Promise<UserFileText> {
  const text = await readUserText(file);
  if (!isVaulted(text)) return { text, vaulted: false };
  return { text: activeVaultKeyring().decryptText(text, { file }), vaulted: true };
}
