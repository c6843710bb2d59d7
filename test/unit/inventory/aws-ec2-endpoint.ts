/**
 * A local stand-in for the EC2 Query API, for the EC2 inventory tests: an HTTP server on
 * 127.0.0.1 that answers with hand-written recordings of DescribeInstances / DescribeRegions
 * (test/fixtures/aws-ec2/, in the shape of AWS's API reference) and keeps every request it
 * receives, so tests assert on what tsible asked. No request ever goes to AWS.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const AWS_EC2_FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/aws-ec2");

export interface Ec2Request {
  action: string;
  /** the region the request was signed for (SigV4 credential scope) */
  region: string;
  params: URLSearchParams;
  /** Filter.N.Name / Filter.N.Value.M, in order */
  filters: Record<string, string[]>;
  nextToken: string | undefined;
  authorization: string;
}

export interface Ec2Reply {
  status: number;
  body: string;
}

export type Ec2Responder = (request: Ec2Request) => Ec2Reply;

export function recording(name: string): string {
  return readFileSync(join(AWS_EC2_FIXTURES, name), "utf8");
}

/** us-east-1 in two pages, eu-west-1 in one, no instance elsewhere; DescribeRegions lists both */
export const recordedAccount: Ec2Responder = (request) => {
  if (request.action === "DescribeRegions") return { status: 200, body: recording("regions.xml") };
  if (request.action !== "DescribeInstances") return { status: 400, body: errorXml("InvalidAction", `not recorded: ${request.action}`) };
  if (request.region === "us-east-1") return { status: 200, body: recording(request.nextToken === undefined ? "us-east-1-page1.xml" : "us-east-1-page2.xml") };
  if (request.region === "eu-west-1") return { status: 200, body: recording("eu-west-1.xml") };
  return { status: 200, body: recording("empty.xml") };
};

export function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>00000000-0000-4000-8000-000000000000</RequestID></Response>`;
}

export interface Ec2Endpoint {
  url: string;
  requests: Ec2Request[];
  close(): Promise<void>;
}

export async function startEc2Endpoint(respond: Ec2Responder = recordedAccount): Promise<Ec2Endpoint> {
  const requests: Ec2Request[] = [];
  const server = createServer((incoming, response) => {
    void readRequest(incoming).then((request) => {
      requests.push(request);
      const reply = respond(request);
      response.writeHead(reply.status, { "content-type": "text/xml;charset=UTF-8" });
      response.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function readRequest(incoming: IncomingMessage): Promise<Ec2Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const params = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
  const authorization = incoming.headers.authorization ?? "";
  const filters: Record<string, string[]> = {};
  for (let index = 1; params.has(`Filter.${index}.Name`); index++) {
    const values: string[] = [];
    for (let value = 1; params.has(`Filter.${index}.Value.${value}`); value++) values.push(params.get(`Filter.${index}.Value.${value}`) ?? "");
    filters[params.get(`Filter.${index}.Name`) ?? ""] = values;
  }
  return {
    action: params.get("Action") ?? "",
    region: /Credential=[^/]+\/\d{8}\/([^/]+)\/ec2\/aws4_request/.exec(authorization)?.[1] ?? "",
    params,
    filters,
    nextToken: params.get("NextToken") ?? undefined,
    authorization,
  };
}
