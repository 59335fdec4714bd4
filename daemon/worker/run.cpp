#include "daemon/worker/run.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <istream>
#include <mutex>
#include <ostream>
#include <string>

#include "common/core/image_ref.hpp"
#include "common/core/json_fields.hpp"
#include "common/pull/probe.hpp"

namespace regcred::worker {

int run(std::istream& in, std::ostream& out, std::ostream& err, int concurrency) {
  boost::asio::thread_pool pool(static_cast<std::size_t>(concurrency < 1 ? 1 : concurrency));
  std::mutex out_mu;
  auto answer = [&](const nlohmann::json& j) {
    std::lock_guard lock(out_mu);
    out << core::json_text(j) << '\n' << std::flush;  // a registry's text may not be UTF-8
  };
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto q = pull::parse_request(line);
    std::fill(line.begin(), line.end(), '\0');  // it held the credentials
    if (!q) {
      err << "regcred-pull-worker: " << q.error().message << '\n';
      answer({{"id", nullptr}, {"error", q.error().message}});
      continue;
    }
    auto ref = core::parse_image_ref(q->image);
    if (!ref) {
      answer({{"id", q->id}, {"error", "image " + q->image + ": " + ref.error().message}});
      continue;
    }
    boost::asio::post(pool, [&answer, q = std::move(*q), ref = std::move(*ref)] {
      const pull::Outcome r = pull::run(ref, q.candidates, q.options);
      answer({{"id", q.id}, {"result", pull::to_json(r)}});
    });
  }
  pool.join();
  return 0;
}

}  // namespace regcred::worker
