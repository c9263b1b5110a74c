/** The agent's probe responder on its own (UDP echo + HTTP), standing in for peers' agents in the probes benchmark. */
import { startResponder } from '../../services/node-agent/src/probes/responder.js';

const [host = '0.0.0.0', port = '9407'] = process.argv.slice(2);
await startResponder(host, Number(port));
process.stdout.write('RESPONDER-READY\n');
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
