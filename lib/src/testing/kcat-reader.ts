/**
 * Reads a topic with kcat instead of a kafkajs consumer: kcat assigns partitions
 * directly (no consumer group), so a read costs no group join (3 s on the
 * embedded broker). Byte-exact: every message is printed as
 * "<partition> <offset> <key length> <value length> " + key + value.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ReadMessage } from './kafka.js';

const run = promisify(execFile);

export async function readWithKcat(bootstrap: string, topic: string, count: number, timeoutMs = 30_000): Promise<ReadMessage[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await run('kcat', ['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p %o %K %S %k%s'], {
      encoding: 'buffer',
      maxBuffer: 512 * 1024 * 1024,
      timeout: timeoutMs,
    });
    const messages = parse(topic, stdout);
    if (messages.length >= count || Date.now() > deadline) return messages;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function parse(topic: string, output: Buffer): ReadMessage[] {
  const messages: ReadMessage[] = [];
  let at = 0;
  const number = () => {
    const space = output.indexOf(0x20, at);
    const value = Number(output.toString('latin1', at, space));
    at = space + 1;
    return value;
  };
  const bytes = (length: number) => {
    if (length < 0) return null;
    const slice = Buffer.from(output.subarray(at, at + length));
    at += length;
    return slice;
  };
  while (at < output.length) {
    const partition = number();
    const offset = number();
    const keyLength = number();
    const valueLength = number();
    messages.push({ topic, partition, offset: String(offset), key: bytes(keyLength), value: bytes(valueLength), headers: {} });
  }
  return messages;
}
