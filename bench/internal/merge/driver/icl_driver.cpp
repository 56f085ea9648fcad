// icl_driver: times Boost.ICL's interval_map<int64_t, int64_t> merges for
// bench/cmd/merge. Usage: icl_driver FILE ROUNDS. FILE holds little-endian
// int64s: the number of a's segments, then start, end, value of each; the
// same for b. Values are non-zero (zero is the absorbed identity). For
// each operation it prints one line: name, the median time in ns over
// ROUNDS, the result's number of intervals and a checksum (the sum of
// length times value over the intervals):
//   copy    c = a
//   plus    c = a; c += b   (values summed where both hold one)
//   and     c = a; c &= b   (the keys both hold, values summed)
#include <boost/icl/interval_map.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

typedef boost::icl::interval_map<int64_t, int64_t> Map;

static bool read64(FILE* f, int64_t* v) { return fread(v, 8, 1, f) == 1; }

static bool readMap(FILE* f, Map* m) {
  int64_t n;
  if (!read64(f, &n)) return false;
  Map::iterator hint = m->begin();
  for (int64_t i = 0; i < n; i++) {
    int64_t s, e, v;
    if (!read64(f, &s) || !read64(f, &e) || !read64(f, &v)) return false;
    hint = m->add(hint, std::make_pair(boost::icl::interval<int64_t>::right_open(s, e), v));
  }
  return true;
}

static uint64_t checksum(const Map& m) {
  uint64_t sum = 0;
  for (Map::const_iterator it = m.begin(); it != m.end(); ++it) {
    sum += uint64_t(boost::icl::upper(it->first) - boost::icl::lower(it->first)) * uint64_t(it->second);
  }
  return sum;
}

template <class F>
static void timeOp(const char* name, int rounds, F op) {
  std::vector<int64_t> ns;
  size_t size = 0;
  uint64_t sum = 0;
  for (int r = 0; r < rounds; r++) {
    auto t0 = std::chrono::steady_clock::now();
    Map c = op();
    auto t1 = std::chrono::steady_clock::now();
    ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    size = c.iterative_size();
    sum = checksum(c);
  }  // c is destroyed outside the timed part
  std::sort(ns.begin(), ns.end());
  printf("%s %lld %zu %llu\n", name, (long long)ns[ns.size() / 2], size, (unsigned long long)sum);
  fflush(stdout);
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: icl_driver FILE ROUNDS\n");
    return 2;
  }
  FILE* f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 1;
  }
  Map a, b;
  if (!readMap(f, &a) || !readMap(f, &b)) {
    fprintf(stderr, "%s: short file\n", argv[1]);
    return 1;
  }
  fclose(f);
  int rounds = atoi(argv[2]);
  if (rounds < 1) rounds = 1;
  timeOp("copy", rounds, [&] { return Map(a); });
  timeOp("plus", rounds, [&] { Map c(a); c += b; return c; });
  timeOp("and", rounds, [&] { Map c(a); c &= b; return c; });
  return 0;
}
