/**
 * An EC2 inventory source: a `*.aws_ec2.yml` file whose instances become hosts, as Ansible's
 * amazon.aws.aws_ec2 inventory plugin builds them. Every host is in the group `aws_ec2`, has
 * the instance's attributes as variables, and joins the groups of `groups` and `keyed_groups`.
 */
import { parseAwsEc2Config } from "./aws-ec2-config.js";
import { addConstructed } from "./aws-ec2-constructed.js";
import { hostnameOf, hostVarsOf } from "./aws-ec2-hostvars.js";
import { describeAwsEc2Instances } from "./aws-ec2-query.js";
import type { InventoryData } from "./model.js";

export { isAwsEc2Source } from "./aws-ec2-config.js";

/** the group every instance is in, as the plugin names it */
const AWS_EC2_GROUP = "aws_ec2";

export async function readAwsEc2Inventory(text: string, file: string, inventory: InventoryData): Promise<void> {
  const config = parseAwsEc2Config(text, file);
  const instances = await describeAwsEc2Instances(config);
  const location = { file };
  inventory.addGroup(AWS_EC2_GROUP, location);
  for (const instance of instances) {
    // an instance with none of the preferred names is left out, as the plugin leaves it
    const name = hostnameOf(instance, config.hostnames);
    if (name === undefined) continue;
    const vars = hostVarsOf(instance);
    inventory.addHost(name, AWS_EC2_GROUP, location);
    for (const [key, value] of Object.entries(vars)) inventory.setHostVar(name, key, value, location);
    addConstructed(inventory, name, vars, config);
  }
}
