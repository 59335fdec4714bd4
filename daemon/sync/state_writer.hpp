// state_writer.hpp: the state folder written on a thread of its own: a save renders, writes and
// fsyncs three files of the store's size, which on the event loop would delay the next change's
// node files and the status socket. The loop hands over a snapshot and goes on; a snapshot handed
// over while one is being written waits, and a newer one replaces it (the files only need the
// latest state).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "daemon/sync/state.hpp"

namespace regcred::sync {

class StateWriter {
 public:
  // `done` runs on the writer's thread after each save, with the error text (empty when it was
  // saved).
  using Done = std::function<void(const std::string& error)>;
  StateWriter(std::string state_dir, Done done);
  ~StateWriter();  // writes what is pending, then stops
  StateWriter(const StateWriter&) = delete;
  StateWriter& operator=(const StateWriter&) = delete;

  void submit(StateSnapshot snapshot);

 private:
  void run();

  std::string state_dir_;
  Done done_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<StateSnapshot> next_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace regcred::sync
