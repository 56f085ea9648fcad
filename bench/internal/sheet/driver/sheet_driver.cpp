// sheet_driver answers a sheet script's questions the way LibreOffice Calc
// does: two mdds::flat_segment_trees (row heights and hidden rows) and
// loops that hop from segment to segment, a search_tree per hop, as Calc's
// ScTable row functions and ScFlatSegmentsImpl::getSumValue do.
//
// It is compiled and started by bench/cmd/sheet (package
// bench/internal/sheet): argv[1] is the script the Go side wrote, argv[2]
// the file it writes the answers to, argv[3] the least time in nanoseconds
// to spend on one round's questions of one kind (it repeats them until
// then). All integers in the files are little-endian int64.
//
//   script  := "FSHEET01" rows runs(heights) runs(hidden) nrounds round*nrounds
//   runs    := count (start end value)*count
//   round   := args*5 (one per edit kind) args*6 (one per question kind)
//   args    := count (a b c)*count
//   answers := (answer*count for each question kind)*nrounds
//
// The edit and question kinds and their arguments are those of script.go.
// Output lines, tab-separated:
//   EDIT round kind count ns          the round's edits of one kind
//   BUILD round ns                    build_tree() of both trees after them
//   ASK round kind count passes ns    passes over the round's questions of one kind

#include <mdds/flat_segment_tree.hpp>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

using row_t = int32_t; // Calc's SCROW
using heights_t = mdds::flat_segment_tree<row_t, uint16_t>;
using hidden_t = mdds::flat_segment_tree<row_t, bool>;
using clk = std::chrono::steady_clock;

static const uint16_t default_height = 256;

enum { INSERT_ROWS, DELETE_ROWS, HIDE_RUN, SHOW_RUN, RESIZE_RUN, NUM_EDITS };
enum { ROW_OFFSET, ROW_AT_HEIGHT, VISIBLE_COUNT, NEXT_VISIBLE, PREV_VISIBLE, SUM_HEIGHTS, NUM_QUESTIONS };

struct args_t { int64_t a, b, c; };

static FILE* in;

static int64_t rd() {
    int64_t v;
    if (std::fread(&v, sizeof v, 1, in) != 1) throw std::runtime_error("short read");
    return v;
}

static std::vector<args_t> rd_args() {
    std::vector<args_t> v(static_cast<size_t>(rd()));
    if (!v.empty() && std::fread(v.data(), sizeof(args_t), v.size(), in) != v.size()) throw std::runtime_error("short read");
    return v;
}

static int64_t ns_since(clk::time_point t0) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(clk::now() - t0).count();
}

// The segment holding pos, [start, end) with value: Calc's getRangeData,
// which rebuilds the search tree when a write has invalidated it.
template<typename Tree, typename V>
static bool range_at(Tree& t, row_t pos, V& value, row_t& start, row_t& end) {
    if (!t.is_tree_valid()) t.build_tree();
    return t.search_tree(pos, value, &start, &end).second;
}

struct sheet {
    row_t rows;
    heights_t heights;
    hidden_t hidden;

    // Where the last write to each tree landed: Calc's setValue passes it
    // to insert as a hint, and its shifts reset it to begin().
    heights_t::const_iterator heights_at;
    hidden_t::const_iterator hidden_at;

    explicit sheet(row_t rows)
        : rows(rows), heights(0, rows, default_height), hidden(0, rows, false), heights_at(heights.begin()),
          hidden_at(hidden.begin()) {}

    void set_height(row_t a, row_t b, uint16_t h) { heights_at = heights.insert(heights_at, a, b, h).first; }
    void set_hidden(row_t a, row_t b, bool hid) { hidden_at = hidden.insert(hidden_at, a, b, hid).first; }

    // Heights of all rows of [a, b), one search per height segment
    // (getSumValue).
    int64_t sum_heights(row_t a, row_t b) {
        int64_t sum = 0;
        while (a < b) {
            uint16_t h;
            row_t s, e;
            if (!range_at(heights, a, h, s, e)) break;
            e = std::min(e, b);
            sum += int64_t(h) * (e - a);
            a = e;
        }
        return sum;
    }

    // Heights of the visible rows of [0, r): hop over hidden segments and
    // sum each visible one's heights (GetRowHeight with hidden rows as 0).
    int64_t row_offset(row_t r) {
        int64_t y = 0;
        for (row_t row = 0; row < r;) {
            bool hid;
            row_t s, e;
            if (!range_at(hidden, row, hid, s, e)) break;
            e = std::min(e, r);
            if (!hid) y += sum_heights(row, e);
            row = e;
        }
        return y;
    }

    // The visible row holding pixel y, from row 0: per step the hidden
    // segment and the height segment at the current row (GetRowForHeight).
    row_t row_at_height(int64_t y) {
        int64_t top = 0;
        for (row_t row = 0; row < rows;) {
            bool hid;
            row_t s, e;
            if (!range_at(hidden, row, hid, s, e)) break;
            if (hid) {
                row = e;
                continue;
            }
            uint16_t h;
            row_t hs, he;
            if (!range_at(heights, row, h, hs, he)) break;
            row_t last = std::min(e, he);
            int64_t px = int64_t(h) * (last - row);
            if (top + px > y) return row + row_t((y - top) / h);
            top += px;
            row = last;
        }
        return -1;
    }

    // Visible rows of [a, b), one search per hidden segment
    // (CountVisibleRows).
    row_t visible_count(row_t a, row_t b) {
        row_t n = 0;
        while (a < b) {
            bool hid;
            row_t s, e;
            if (!range_at(hidden, a, hid, s, e)) break;
            e = std::min(e, b);
            if (!hid) n += e - a;
            a = e;
        }
        return n;
    }

    // FirstVisibleRow: hop forward over hidden segments.
    row_t next_visible(row_t r) {
        while (r < rows) {
            bool hid;
            row_t s, e;
            if (!range_at(hidden, r, hid, s, e)) break;
            if (!hid) return r;
            r = e;
        }
        return -1;
    }

    // LastVisibleRow: hop backward over hidden segments.
    row_t prev_visible(row_t r) {
        while (r >= 0) {
            bool hid;
            row_t s, e;
            if (!range_at(hidden, r, hid, s, e)) break;
            if (!hid) return r;
            r = s - 1;
        }
        return -1;
    }

    void edit(int kind, const args_t& x) {
        row_t a = row_t(x.a), b = row_t(x.b);
        switch (kind) {
        case INSERT_ROWS: { // b rows at a; Calc shifts heights without, hidden rows with skip_start_node
            row_t end = row_t(std::min<int64_t>(x.a + x.b, rows));
            heights.shift_right(a, b, false);
            hidden.shift_right(a, b, true);
            heights_at = heights.begin();
            hidden_at = hidden.begin();
            set_height(a, end, default_height);
            set_hidden(a, end, false);
            break;
        }
        case DELETE_ROWS:
            heights.shift_left(a, b);
            hidden.shift_left(a, b);
            heights_at = heights.begin();
            hidden_at = hidden.begin();
            break;
        case HIDE_RUN: set_hidden(a, b, true); break;
        case SHOW_RUN: set_hidden(a, b, false); break;
        case RESIZE_RUN: set_height(a, b, uint16_t(x.c)); break;
        default: throw std::runtime_error("unknown edit kind");
        }
    }

    int64_t ask(int kind, const args_t& x) {
        row_t a = row_t(x.a), b = row_t(x.b);
        switch (kind) {
        case ROW_OFFSET: return row_offset(a);
        case ROW_AT_HEIGHT: return row_at_height(x.a);
        case VISIBLE_COUNT: return visible_count(a, b);
        case NEXT_VISIBLE: return next_visible(a);
        case PREV_VISIBLE: return prev_visible(a);
        case SUM_HEIGHTS: return sum_heights(a, b);
        }
        throw std::runtime_error("unknown question kind");
    }
};

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s SCRIPT ANSWERS MIN_TIME_NS\n", argv[0]);
        return 2;
    }
    in = std::fopen(argv[1], "rb");
    if (!in) {
        std::perror(argv[1]);
        return 1;
    }
    FILE* out = std::fopen(argv[2], "wb");
    if (!out) {
        std::perror(argv[2]);
        return 1;
    }
    int64_t min_ns = std::strtoll(argv[3], nullptr, 10);
    try {
        char magic[8];
        if (std::fread(magic, 1, 8, in) != 8 || std::memcmp(magic, "FSHEET01", 8) != 0)
            throw std::runtime_error("not a sheet script");
        sheet sh{row_t(rd())};
        for (const args_t& r : rd_args()) sh.set_height(row_t(r.a), row_t(r.b), uint16_t(r.c));
        for (const args_t& r : rd_args()) sh.set_hidden(row_t(r.a), row_t(r.b), r.c != 0);
        sh.heights.build_tree();
        sh.hidden.build_tree();
        int64_t rounds = rd();
        std::vector<int64_t> answers;
        for (int64_t round = 0; round < rounds; round++) {
            std::vector<args_t> edits[NUM_EDITS], questions[NUM_QUESTIONS];
            for (auto& e : edits) e = rd_args();
            for (auto& q : questions) q = rd_args();
            bool edited = false;
            for (int k = 0; k < NUM_EDITS; k++) {
                if (edits[k].empty()) continue;
                edited = true;
                auto t0 = clk::now();
                for (const args_t& x : edits[k]) sh.edit(k, x);
                int64_t ns = ns_since(t0);
                std::printf("EDIT\t%" PRId64 "\t%d\t%zu\t%" PRId64 "\n", round, k, edits[k].size(), ns);
            }
            if (edited) { // what the first question after the edits would pay
                auto t0 = clk::now();
                sh.heights.build_tree();
                sh.hidden.build_tree();
                std::printf("BUILD\t%" PRId64 "\t%" PRId64 "\n", round, ns_since(t0));
            }
            for (int k = 0; k < NUM_QUESTIONS; k++) {
                const std::vector<args_t>& qs = questions[k];
                answers.assign(qs.size(), 0);
                int64_t passes = 0, ns = 0;
                auto t0 = clk::now();
                do {
                    for (size_t i = 0; i < qs.size(); i++) answers[i] = sh.ask(k, qs[i]);
                    passes++;
                    ns = ns_since(t0);
                } while (ns < min_ns);
                std::printf("ASK\t%" PRId64 "\t%d\t%zu\t%" PRId64 "\t%" PRId64 "\n", round, k, qs.size(), passes, ns);
                if (!answers.empty() && std::fwrite(answers.data(), sizeof(int64_t), answers.size(), out) != answers.size())
                    throw std::runtime_error("cannot write the answers");
            }
            std::fflush(stdout);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sheet_driver: %s\n", e.what());
        return 1;
    }
    if (std::fclose(out) != 0) {
        std::perror(argv[2]);
        return 1;
    }
    return 0;
}
