#include "daemon/sync/state_writer.hpp"

#include <malloc.h>

namespace regcred::sync {

StateWriter::StateWriter(std::string state_dir, Done done)
    : state_dir_(std::move(state_dir)), done_(std::move(done)), thread_([this] { run(); }) {}

StateWriter::~StateWriter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void StateWriter::submit(StateSnapshot snapshot) {
  {
    std::lock_guard lock(mu_);
    next_ = std::move(snapshot);
  }
  cv_.notify_all();
}

void StateWriter::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return next_ || stop_; });
    if (!next_) return;  // stopping with nothing pending
    StateSnapshot s = std::move(*next_);
    next_.reset();
    lock.unlock();
    auto r = io::state_folder::save(state_dir_, s);
    s = StateSnapshot{};  // freed here, not on the loop
    // Rendering three files of the store's size peaks at several times its size: hand the freed
    // memory back to the system, or RSS stays at the peak.
    ::malloc_trim(0);
    done_(r ? std::string() : r.error().message);
    lock.lock();
  }
}

}  // namespace regcred::sync
