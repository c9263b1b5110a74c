/** Test helpers shared by the services' tests and the benchmarks. */
export { sampleHalf, sampleJoined, sampleEnriched } from './samples.js';
export { committedOffsets, committedToEnd, readTopic, topicEnds, topicSize, testKafka, type ReadMessage } from './kafka.js';
export { readWithKcat } from './kcat-reader.js';
export { waitFor } from './wait.js';
export { writeGeoDatabases, type GeoDatabaseFiles } from './geo-databases.js';
export { buildMmdb, type MmdbNetwork, type MmdbOptions, type MmdbValue } from './mmdb-writer.js';
export { until } from './until.js';
export { zigzagVarint } from './avro-bytes.js';
export { parsePrometheusText, samplesOf, sumOf, type Sample } from './prometheus-text.js';
export { launchChromium, clickUntilShown, CHROMIUM, type HeadlessBrowser } from './browser.js';
