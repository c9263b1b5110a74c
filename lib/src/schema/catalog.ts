/**
 * The catalog of flowmesh Avro schemas: every `<Record>.v<N>.avsc` file in
 * schemas/, parsed once. Readers use the newest version of a record; every
 * version stays known so that older writers still decode.
 */
import { readdirSync, readFileSync } from 'node:fs';
import avro from 'avsc';
import { crc64Avro } from '../codec/fingerprint.js';
import { projectPath } from '../runtime/project-files.js';
import type { RecordName } from './types.js';

export interface SchemaVersion {
  name: string;
  version: number;
  /** The schema as written in its .avsc file, with docs. */
  json: object;
  type: avro.Type;
  /** CRC-64-AVRO of the Parsing Canonical Form, little-endian, as on the wire. */
  fingerprint: Buffer;
}

const FILE_PATTERN = /^([A-Za-z]+)\.v(\d+)\.avsc$/;

/** Where the .avsc files live; FLOWMESH_SCHEMAS_DIR overrides (packaged installs). */
export function schemasDir(): string {
  return process.env.FLOWMESH_SCHEMAS_DIR ?? projectPath('schemas/');
}

let cache: Map<string, SchemaVersion[]> | undefined;

function loadAll(): Map<string, SchemaVersion[]> {
  const dir = schemasDir();
  const byName = new Map<string, SchemaVersion[]>();
  for (const file of readdirSync(dir).sort()) {
    const match = FILE_PATTERN.exec(file);
    if (!match) continue;
    const [, name = '', version = '0'] = match;
    const json = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as object;
    const type = avro.Type.forSchema(json as avro.Schema);
    const entry: SchemaVersion = {
      name,
      version: Number(version),
      json,
      type,
      fingerprint: crc64Avro(JSON.stringify(type.schema())),
    };
    byName.set(name, [...(byName.get(name) ?? []), entry].sort((a, b) => a.version - b.version));
  }
  return byName;
}

function catalog(): Map<string, SchemaVersion[]> {
  cache ??= loadAll();
  return cache;
}

/** Every known version of a record, oldest first. */
export function schemaVersions(name: RecordName | string): SchemaVersion[] {
  const versions = catalog().get(name);
  if (!versions?.length) throw new Error(`no schema named ${name} in ${schemasDir()}`);
  return versions;
}

/** The newest version of a record: what flowmesh writes and reads into. */
export function latestSchema(name: RecordName | string): SchemaVersion {
  return schemaVersions(name).at(-1) as SchemaVersion;
}

/** Every schema version of every record, for recognising a message written with the wrong schema. */
export function allSchemas(): SchemaVersion[] {
  return [...catalog().values()].flat();
}
