/** Test helpers shared by the services' tests and the benchmarks. */
export { sampleHalf, sampleJoined, sampleEnriched } from './samples.js';
export { committedOffsets, readTopic, topicEnds, topicSize, testKafka, type ReadMessage } from './kafka.js';
export { writeGeoDatabases, type GeoDatabaseFiles } from './geo-databases.js';
export { buildMmdb, type MmdbNetwork, type MmdbOptions, type MmdbValue } from './mmdb-writer.js';
export { launchChromium, CHROMIUM, type HeadlessBrowser } from './browser.js';
