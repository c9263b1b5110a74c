/**
 * A minimal Confluent Schema Registry REST client: the two calls the codec
 * needs (register a schema under a subject, fetch a schema by id), with ids
 * cached forever since registry ids are immutable.
 */
import { SchemaRegistryError } from './errors.js';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export interface SchemaRegistryOptions {
  url: string;
  /** Basic auth, e.g. Confluent Cloud API key and secret. */
  username?: string;
  password?: string;
  timeoutMs?: number;
}

export class SchemaRegistryClient {
  private readonly schemasById = new Map<number, string>();
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: SchemaRegistryOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.headers = { 'Content-Type': CONTENT_TYPE, Accept: CONTENT_TYPE };
    if (options.username) {
      const token = Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64');
      this.headers.Authorization = `Basic ${token}`;
    }
  }

  /** Registers (or finds) `schema` under `subject` and returns its global id. */
  async register(subject: string, schema: object): Promise<number> {
    const text = JSON.stringify(schema);
    const body = await this.call<{ id: number }>('POST', `/subjects/${encodeURIComponent(subject)}/versions`, {
      schema: text,
    });
    this.schemasById.set(body.id, text);
    return body.id;
  }

  /** The schema text registered under `id`. */
  async schemaById(id: number): Promise<string> {
    const cached = this.schemasById.get(id);
    if (cached !== undefined) return cached;
    const body = await this.call<{ schema: string }>('GET', `/schemas/ids/${id}`);
    this.schemasById.set(id, body.schema);
    return body.schema;
  }

  private async call<T>(method: string, path: string, body?: object): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.baseUrl + path, {
        method,
        headers: this.headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (cause) {
      throw new SchemaRegistryError(`${method} ${path}: registry unreachable at ${this.baseUrl}`, true, { cause });
    }
    const text = await response.text();
    if (!response.ok) {
      // 5xx and 429 are worth retrying; 4xx (unknown id, incompatible schema, auth) are not.
      const retriable = response.status >= 500 || response.status === 429;
      throw new SchemaRegistryError(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`, retriable);
    }
    return JSON.parse(text) as T;
  }
}
