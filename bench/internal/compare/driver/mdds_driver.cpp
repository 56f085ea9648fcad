// mdds_driver runs the comparison's op streams on mdds::flat_segment_tree.
//
// It is compiled and started by bench/cmd/compare: it reads the op file the
// Go side wrote (argv[1]), runs every record and prints one tab-separated
// result line per measurement on stdout. All integers in the file are
// little-endian int64; strings are a length and that many bytes.
//
//   file   := "FSEGOPS1" record*
//   record := 1 SETUP id min max init count (start end value)*count
//           | 2 TASK name impl setup empty budget_ns count (kind a b c)*count
//           | 3 MEM setup
//           | 4 TPUT setup readers duration_ns write_rate writer nkeys key*nkeys count (kind a b c)*count
//           | 0 END
//
// Output lines:
//   RESULT name n impl calls ns checksum state
//   MEM n impl bytes
//   TPUT n impl writer reader_ops writer_ops ns

#include <mdds/flat_segment_tree.hpp>

#include <malloc.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using tree_t = mdds::flat_segment_tree<int64_t, int64_t>;
using clk = std::chrono::steady_clock;

enum : int64_t { OP_SEARCH = 1, OP_INSERT, OP_APPEND, OP_SHIFT_LEFT, OP_SHIFT_RIGHT, OP_CLONE, OP_ITERATE, OP_CLONE_INSERT };

struct op_t { int64_t kind, a, b, c; };
struct seg_t { int64_t start, end, value; };
struct setup_t { int64_t min, max, init; std::vector<seg_t> segs; };

static FILE* in;

static int64_t rd() {
    int64_t v;
    if (std::fread(&v, sizeof v, 1, in) != 1) throw std::runtime_error("short read");
    return v;
}

static std::string rd_str() {
    std::string s(static_cast<size_t>(rd()), '\0');
    if (!s.empty() && std::fread(&s[0], 1, s.size(), in) != s.size()) throw std::runtime_error("short read");
    return s;
}

template<typename T> static std::vector<T> rd_vec() {
    std::vector<T> v(static_cast<size_t>(rd()));
    if (!v.empty() && std::fread(v.data(), sizeof(T), v.size(), in) != v.size()) throw std::runtime_error("short read");
    return v;
}

// Same checksum as mix/mixSeg in runner.go.
static inline uint64_t mix(uint64_t h, int64_t x) { return (h ^ static_cast<uint64_t>(x)) * 0x100000001b3ULL; }
static inline uint64_t mix_seg(uint64_t h, int64_t s, int64_t e, int64_t v) {
    return mix(h, static_cast<int64_t>(static_cast<uint64_t>(s) ^ (static_cast<uint64_t>(e) << 21) ^ (static_cast<uint64_t>(v) << 42)));
}

static int64_t ns_since(clk::time_point t0) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(clk::now() - t0).count();
}

static void build(tree_t& t, const setup_t& s) {
    for (const seg_t& g : s.segs) t.insert_back(g.start, g.end, g.value);
}

// One timed run of a task's ops on one tree.
struct runner {
    tree_t& t;
    bool use_hint, copy_builds; // impl is mdds-hint / mdds-copy-build
    uint64_t h = 0;
    int64_t excluded_ns = 0; // destruction of copies, not part of the op
    tree_t::const_iterator hint;
    bool have_hint = false;

    runner(tree_t& t, const std::string& impl)
        : t(t), use_hint(impl == "mdds-hint"), copy_builds(impl == "mdds-copy-build") {}

    void apply(const op_t& op) {
        switch (op.kind) {
        case OP_SEARCH: {
            int64_t v, s, e;
            if (use_hint) {
                auto r = have_hint ? t.search(hint, op.a, v, &s, &e) : t.search(op.a, v, &s, &e);
                if (r.second) { hint = r.first; have_hint = true; h = mix_seg(h, s, e, v); }
            } else {
                // search_tree() needs a valid tree: rebuild after writes.
                if (!t.is_tree_valid()) t.build_tree();
                if (t.search_tree(op.a, v, &s, &e).second) h = mix_seg(h, s, e, v);
            }
            break;
        }
        case OP_INSERT: h = mix(h, t.insert_front(op.a, op.b, op.c).second ? 1 : 0); break;
        case OP_APPEND: h = mix(h, t.insert_back(op.a, op.b, op.c).second ? 1 : 0); break;
        case OP_SHIFT_LEFT: t.shift_left(op.a, op.b); break;
        case OP_SHIFT_RIGHT: t.shift_right(op.a, op.b, op.c != 0); break;
        case OP_CLONE: {
            auto c = std::make_unique<tree_t>(t);
            if (copy_builds) c->build_tree();
            auto d0 = clk::now();
            c.reset();
            excluded_ns += ns_since(d0);
            break;
        }
        case OP_CLONE_INSERT: { // a copy written once; the original is unchanged
            auto c = std::make_unique<tree_t>(t);
            h = mix(h, c->insert_front(op.a, op.b, op.c).second ? 1 : 0);
            auto d0 = clk::now();
            c.reset();
            excluded_ns += ns_since(d0);
            break;
        }
        case OP_ITERATE: {
            int64_t acc = 0;
            for (auto it = t.begin_segment(), end = t.end_segment(); it != end; ++it) acc += it->start ^ it->value;
            h = mix(h, acc);
            break;
        }
        default: throw std::runtime_error("unknown op kind");
        }
    }
};

static void task(const std::map<int64_t, setup_t>& setups) {
    std::string name = rd_str(), impl = rd_str();
    const setup_t& s = setups.at(rd());
    bool empty = rd() != 0;
    int64_t budget = rd();
    std::vector<op_t> ops = rd_vec<op_t>();

    tree_t t(s.min, s.max, s.init);
    if (!empty) build(t, s);
    t.build_tree();

    // Run chunks of doubling size until the stream ends or the budget is
    // spent: O(n) operations get fewer calls at large n.
    runner r(t, impl);
    size_t done = 0, chunk = 1;
    auto t0 = clk::now();
    while (done < ops.size()) {
        size_t end = std::min(ops.size(), done + chunk);
        for (size_t i = done; i < end; i++) r.apply(ops[i]);
        done = end;
        if (ns_since(t0) >= budget) break;
        chunk *= 2;
    }
    int64_t ns = ns_since(t0) - r.excluded_ns;
    uint64_t state = 0; // untimed fingerprint of the segments, as in runner.go
    for (auto it = t.begin_segment(), end = t.end_segment(); it != end; ++it)
        state = mix_seg(state, it->start, it->end, it->value);
    std::printf("RESULT\t%s\t%zu\t%s\t%zu\t%" PRId64 "\t%" PRIu64 "\t%" PRIu64 "\n", name.c_str(), s.segs.size(),
                impl.c_str(), done, ns, r.h, state);
    std::fflush(stdout);
}

static int64_t heap_in_use() {
    struct mallinfo2 mi = mallinfo2();
    return static_cast<int64_t>(mi.uordblks + mi.hblkhd);
}

static void mem(const std::map<int64_t, setup_t>& setups) {
    const setup_t& s = setups.at(rd());
    int64_t before = heap_in_use();
    auto t = std::make_unique<tree_t>(s.min, s.max, s.init);
    build(*t, s);
    int64_t leaves = heap_in_use();
    t->build_tree();
    int64_t full = heap_in_use();
    std::printf("MEM\t%zu\tmdds-leaves\t%" PRId64 "\n", s.segs.size(), leaves - before);
    std::printf("MEM\t%zu\tmdds\t%" PRId64 "\n", s.segs.size(), full - before);
    std::fflush(stdout);
}

// A writer-preferring reader-writer lock, like Go's sync.RWMutex (glibc's
// default rwlock prefers readers and can starve the writer).
struct rwlock {
    pthread_rwlock_t l;
    rwlock() {
        pthread_rwlockattr_t a;
        pthread_rwlockattr_init(&a);
        pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
        pthread_rwlock_init(&l, &a);
        pthread_rwlockattr_destroy(&a);
    }
    ~rwlock() { pthread_rwlock_destroy(&l); }
};

static void tput(const std::map<int64_t, setup_t>& setups) {
    const setup_t& s = setups.at(rd());
    int64_t readers = rd(), duration = rd(), rate = rd();
    bool writer = rd() != 0;
    std::vector<int64_t> keys = rd_vec<int64_t>();
    std::vector<op_t> ops = rd_vec<op_t>();

    tree_t t(s.min, s.max, s.init);
    build(t, s);
    t.build_tree();
    rwlock mu;
    std::atomic<bool> stop{false};
    std::atomic<int64_t> reads{0}, writes{0};
    std::atomic<uint64_t> sink{0};

    std::vector<std::thread> threads;
    for (int64_t r = 0; r < readers; r++) {
        threads.emplace_back([&, r] {
            int64_t n = 0;
            uint64_t h = 0;
            size_t i = static_cast<size_t>(r) * 7919 % keys.size();
            while (!stop.load(std::memory_order_relaxed)) {
                for (int k = 0; k < 64; k++) {
                    int64_t v, st, e;
                    pthread_rwlock_rdlock(&mu.l);
                    if (t.search_tree(keys[i], v, &st, &e).second) h = mix_seg(h, st, e, v);
                    pthread_rwlock_unlock(&mu.l);
                    if (++i == keys.size()) i = 0;
                }
                n += 64;
            }
            reads += n;
            sink += h;
        });
    }
    if (writer) {
        threads.emplace_back([&] {
            int64_t n = 0;
            size_t i = 0;
            auto start = clk::now();
            while (!stop.load(std::memory_order_relaxed)) {
                if (rate > 0) { // pace the writer as the Go side does
                    auto due = start + std::chrono::nanoseconds(n * 1000000000 / rate);
                    if (clk::now() < due) {
                        std::this_thread::sleep_until(due);
                        continue;
                    }
                }
                const op_t& op = ops[i];
                pthread_rwlock_wrlock(&mu.l);
                t.insert_front(op.a, op.b, op.c);
                t.build_tree(); // readers need a valid tree for search_tree()
                pthread_rwlock_unlock(&mu.l);
                if (++i == ops.size()) i = 0;
                n++;
            }
            writes += n;
        });
    }
    auto t0 = clk::now();
    std::this_thread::sleep_for(std::chrono::nanoseconds(duration));
    stop = true;
    for (auto& th : threads) th.join();
    int64_t ns = ns_since(t0);
    std::printf("TPUT\t%zu\tmdds\t%d\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\n", s.segs.size(), writer ? 1 : 0,
                reads.load(), writes.load(), ns);
    std::fflush(stdout);
}

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OPFILE\n", argv[0]);
        return 2;
    }
    in = std::fopen(argv[1], "rb");
    if (!in) {
        std::perror(argv[1]);
        return 1;
    }
    try {
        char magic[8];
        if (std::fread(magic, 1, 8, in) != 8 || std::memcmp(magic, "FSEGOPS1", 8) != 0)
            throw std::runtime_error("not an op file");
        std::map<int64_t, setup_t> setups;
        for (;;) {
            int64_t rec = rd();
            if (rec == 0) break;
            switch (rec) {
            case 1: {
                int64_t id = rd();
                setup_t s;
                s.min = rd();
                s.max = rd();
                s.init = rd();
                s.segs = rd_vec<seg_t>();
                setups[id] = std::move(s);
                break;
            }
            case 2: task(setups); break;
            case 3: mem(setups); break;
            case 4: tput(setups); break;
            default: throw std::runtime_error("unknown record");
            }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mdds_driver: %s\n", e.what());
        return 1;
    }
    return 0;
}
