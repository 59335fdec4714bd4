// api_thread.hpp: what a part of the daemon that makes blocking API requests on a thread of its
// own needs: a client on its own connection, the lock and the wake-up its thread waits on, and
// a stop that cancels the request in flight and joins. An owner derives from it, starts the
// thread once its own members are ready, and stops it first in its destructor.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "common/kube/http.hpp"
#include "common/kube/kubeconfig.hpp"

namespace regcred::kube {

struct ApiThread {
  explicit ApiThread(Connection conn) : creds(std::move(conn)), client(creds) {}
  ApiThread(const ApiThread&) = delete;
  ApiThread& operator=(const ApiThread&) = delete;
  ~ApiThread() { stop(); }

  void start(std::function<void()> body) { worker = std::thread(std::move(body)); }
  void stop() {
    {
      std::lock_guard lock(mu);
      stopping = true;
    }
    cv.notify_all();
    client.cancel();
    if (worker.joinable()) worker.join();
  }

  CredentialSource creds;
  Client client;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;  // under mu
  std::thread worker;
};

}  // namespace regcred::kube
