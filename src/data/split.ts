// Seeded randomness and the train/validation split live in src/common/split.ts (pseudo-labels and k-means
// there use them too); data code keeps importing them from here.
export * from '../common/split';
