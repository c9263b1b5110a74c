/** Test helpers shared by the services' tests and the benchmarks. */
export { sampleHalf, sampleJoined, sampleEnriched } from './samples.js';
export { committedOffsets, readTopic, topicEnds, topicSize, testKafka, type ReadMessage } from './kafka.js';
export { parsePrometheusText, samplesOf, sumOf, type Sample } from './prometheus-text.js';
