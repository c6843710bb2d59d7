export { Inventory, type InventoryGroup, type InventoryHost } from "./inventory.js";
export { loadInventory, type LoadInventoryOptions } from "./load.js";
export { IMPLICIT_LOCALHOSTS } from "./patterns.js";
export { ANSIBLE_YAML_OPTIONS } from "./yaml-file.js";
