// run.hpp: regcred-pull-worker, the process regcredd runs its pull tests in, so that regcredd
// itself does not link libcurl (nor hold its memory) and a hostile registry's answers are parsed
// outside it. regcredd starts this worker when a test is due and closes its stdin when none is
// left, and the worker exits.
#pragma once

#include <iosfwd>

namespace regcred::worker {

// Reads requests (pull::request_line) from `in`, one per line, runs up to `concurrency` at a
// time, and writes each answer as one line to `out` as it finishes: {"id", "result"}, or
// {"id", "error"} for a request it cannot read. Returns 0 once `in` has ended and every test
// is answered.
int run(std::istream& in, std::ostream& out, std::ostream& err, int concurrency);

}  // namespace regcred::worker
