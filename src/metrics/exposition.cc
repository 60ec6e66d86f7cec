#include "fibdns/metrics/exposition.h"

#include <prometheus/text_serializer.h>

#include <sstream>
#include <utility>

#include "fibdns/common/version.h"

namespace fibdns::metrics {

prometheus::Histogram::BucketBoundaries latencyBuckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,    0.1,    0.25,    0.5,    1.0,   2.5,    5.0,   10.0};
}

std::string routeLabel(std::string_view path, const std::vector<std::string>& routes) {
  if (path.size() > 1 && path.back() == '/') {
    path.remove_suffix(1);
  }
  for (const std::string& route : routes) {
    if (path == route) {
      return route;
    }
  }
  return "other";
}

void addBuildInfo(prometheus::Registry& registry, std::string_view server) {
  prometheus::BuildGauge()
      .Name("fibdns_build_info")
      .Help("Always 1; labels say which fibdns server and version this is.")
      .Register(registry)
      .Add({{"server", std::string(server)}, {"version", fibdns::version()}})
      .Set(1);
}

std::vector<prometheus::MetricFamily> CallbackGauge::Collect() const {
  prometheus::MetricFamily family;
  family.name = name_;
  family.help = help_;
  family.type = prometheus::MetricType::Gauge;
  family.metric.emplace_back().gauge.value = read_();
  return {family};
}

Exposition::Exposition(std::string_view server)
    : registry_(std::make_shared<prometheus::Registry>()) {
  addBuildInfo(*registry_, server);
}

void Exposition::addCollectable(std::shared_ptr<const prometheus::Collectable> collectable) {
  extra_.push_back(std::move(collectable));
}

std::string Exposition::render() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  for (const auto& extra : extra_) {
    auto more = extra->Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  }
  auto process = process_.Collect();
  families.insert(families.end(), std::make_move_iterator(process.begin()),
                  std::make_move_iterator(process.end()));
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace fibdns::metrics
