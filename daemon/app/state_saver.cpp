#include "daemon/app/state_saver.hpp"

#include <algorithm>

namespace regcred::daemon {

StateSaver::StateSaver(Loop& loop, sync::Store& store, Options options, Submit submit)
    : loop_(loop),
      store_(store),
      options_(options),
      submit_(std::move(submit)),
      timer_(loop.timer()) {}

void StateSaver::schedule() {
  if (store_.generation() == submitted_ || stopped_) return;
  const auto now = loop_.now();
  if (!unsaved_since_) unsaved_since_ = now;
  timer_->at(std::min(now + options_.quiet, *unsaved_since_ + options_.max_delay),
             [this] { save_now(); });
}

void StateSaver::save_now(bool at_once) {
  unsaved_since_.reset();
  if (at_once) copy_.reset();
  if (copy_ || store_.generation() == submitted_) return;
  copy_.emplace();
  ++copy_id_;
  copy_->generation = store_.generation();
  if (options_.namespaces) copy_->namespaces = sync::namespace_tables(store_);
  copy_slice({}, at_once || options_.whole);
}

void StateSaver::stop() {
  stopped_ = true;
  timer_->cancel();
}

void StateSaver::copy_slice(const std::string& from, bool all) {
  const auto& entries = store_.view().entries;
  auto it = entries.lower_bound(from);  // the first key not copied yet
  for (std::size_t n = 0; it != entries.end() && (all || n < options_.slice); ++it, ++n)
    copy_->entries.emplace_hint(copy_->entries.end(), it->first, it->second);
  if (it != entries.end()) {
    loop_.post([this, id = copy_id_, next = it->first] {
      if (copy_ && id == copy_id_) copy_slice(next, false);
    });
    return;
  }
  sync::StateSnapshot snap = std::move(*copy_);
  copy_.reset();
  submitted_ = snap.generation;
  const bool moved_on = store_.generation() != snap.generation;
  submit_(std::move(snap));
  if (moved_on && !stopped_) schedule();
}

}  // namespace regcred::daemon
