/** Test helpers shared by the services' tests and the benchmarks. */
export { sampleHalf, sampleJoined, sampleEnriched } from './samples.js';
export { readTopic, topicSize, testKafka, type ReadMessage } from './kafka.js';
