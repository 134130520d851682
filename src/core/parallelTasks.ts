/**
 * Every module that registers a parallel task (see parallel.ts), imported by the helper threads so
 * they know the tasks by name. A new task's module is added here.
 */
import './activation/batch';
import './conv/layerNorms';
import './degeneracy/simulate';
import './linalg/layerNorms';
import './regions/partition';
