/**
 * Exit codes shared by the commands: 0 ok, 1 file error / budget refusal / --fail-on triggered,
 * 2 usage error, 3 "cannot decide": a number the answer depends on overflows float64 (the answer is
 * withheld, and one line on stderr names the file and the layer).
 */
export const EXIT_OVERFLOW = 3;
