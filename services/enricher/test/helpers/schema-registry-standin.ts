/**
 * A stand-in for the Confluent Schema Registry: the REST calls the codec and
 * kcat (libserdes) make. Ids are global and a schema registered twice keeps its id.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RegistryStandin {
  url: string;
  /** Requests seen, "METHOD path". */
  requests: string[];
  close(): Promise<void>;
}

export async function startRegistryStandin(): Promise<RegistryStandin> {
  const schemas: string[] = [];
  const subjects = new Map<string, number[]>();
  const requests: string[] = [];

  const reply = (res: ServerResponse, status: number, body: object) => {
    res.writeHead(status, { 'Content-Type': 'application/vnd.schemaregistry.v1+json' });
    res.end(JSON.stringify(body));
  };
  const readBody = async (req: IncomingMessage) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    return text;
  };

  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      requests.push(`${req.method} ${path}`);
      const register = /^\/subjects\/([^/]+)\/versions$/.exec(path);
      const byId = /^\/schemas\/ids\/(\d+)$/.exec(path);
      if (req.method === 'POST' && register) {
        const { schema } = JSON.parse(await readBody(req)) as { schema: string };
        const canonical = JSON.stringify(JSON.parse(schema));
        let index = schemas.indexOf(canonical);
        if (index < 0) index = schemas.push(canonical) - 1;
        const subject = decodeURIComponent(register[1]!);
        const ids = subjects.get(subject) ?? [];
        if (!ids.includes(index + 1)) ids.push(index + 1);
        subjects.set(subject, ids);
        return reply(res, 200, { id: index + 1 });
      }
      if (req.method === 'GET' && byId) {
        const schema = schemas[Number(byId[1]) - 1];
        return schema ? reply(res, 200, { schema }) : reply(res, 404, { error_code: 40403, message: 'Schema not found' });
      }
      return reply(res, 404, { error_code: 404, message: 'Not found' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
