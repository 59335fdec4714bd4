// state_saver.hpp: when the state folder follows the store, and the copy it is written from.
// A save copies the store and writes three files of its size, work that per change would
// compete with the next change's own write (and the helpers read these files only while
// regcredd is down). So the folder follows once the changes pause for `quiet`, and at least
// every `max_delay` during a burst. The copy is taken `slice` entries per turn of the loop, so
// that a big store does not hold the loop (the status socket, the next change) for the whole
// copy; a change that lands between two slices is in the copy or not, entry by entry, the
// store's generation then differs from the copy's, and another save follows.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "daemon/app/loop.hpp"
#include "daemon/sync/state.hpp"
#include "daemon/sync/store.hpp"

namespace regcred::daemon {

class StateSaver {
 public:
  struct Options {
    SteadyClock::duration quiet = std::chrono::milliseconds(100);
    SteadyClock::duration max_delay = std::chrono::seconds(5);
    std::size_t slice = 1000;  // entries copied per turn of the loop
    bool namespaces = false;   // namespace-scoped credentials: namespaces.json too
    bool whole = false;        // copy in one turn (--once: the loop ends after it)
  };
  // `submit` gets each finished copy, on the loop.
  using Submit = std::function<void(sync::StateSnapshot)>;
  StateSaver(Loop& loop, sync::Store& store, Options options, Submit submit);

  // The store changed: save after the pause (or the longest delay).
  void schedule();
  // Copy now (at_once: in this turn, superseding a copy in slices; shutdown, where the loop
  // does not turn again). Nothing when the last copy is of the store's generation.
  void save_now(bool at_once = false);
  // The last submitted copy was not saved: the next save_now() copies again.
  void failed() { submitted_ = k_none; }
  // Namespace-scoped credentials turned on or off (a reload).
  void set_namespaces(bool on) { options_.namespaces = on; }
  void stop();

 private:
  static constexpr std::uint64_t k_none = ~std::uint64_t{0};
  void copy_slice(const std::string& from, bool all);

  Loop& loop_;
  sync::Store& store_;
  Options options_;
  Submit submit_;
  std::unique_ptr<Timer> timer_;
  std::optional<SteadyClock::time_point> unsaved_since_;
  std::optional<sync::StateSnapshot> copy_;  // the copy being taken, slice by slice
  std::uint64_t submitted_ = k_none;         // the generation of the last copy handed over
  std::uint64_t copy_id_ = 0;                // a slice still queued for a superseded copy: none
  bool stopped_ = false;
};

}  // namespace regcred::daemon
