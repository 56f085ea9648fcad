// driver.cpp is the reference side of the differential test in this
// directory. It runs mdds::flat_segment_tree (the C++ library that package fst
// is modelled on) on operations read from standard input and prints, for each
// operation, exactly one line of output.
//
// Usage: driver long|double   (the key type; values are always long)
//
// Input: one operation per line, tokens separated by blanks.
//
//	N min max init        start a new tree (the previous one is dropped)
//	I start end value     insert_front(start, end, value)
//	B start end value     insert_back(start, end, value)
//	L start end           shift_left(start, end)
//	R pos size skip       shift_right(pos, size, skip != 0)
//	C                     clear()
//	S key                 search(key, value, &start, &end)
//	P                     print only
//
// Output: one line per operation:
//
//	<result> | <leaves>
//
// where <result> is "ok" (N, L, R, C, P), "changed=0" or "changed=1" (I, B),
// "found <start> <end> <value>" or "none" (S); and <leaves> is the full leaf
// list in forward order, "key:value" separated by blanks, including the
// rightmost leaf at max. If after the operation two adjacent leaves left of
// the rightmost one carry equal values (a non-canonical tree, which mdds 2.0.3
// produces in shift_left(s, max) with s > min), the line starts with
// "NONCANON " and the raw leaves are printed; the driver then rebuilds its
// tree in canonical form so that later operations start from the same state
// as a canonical implementation.
//
// The driver also checks, after every operation, that a reverse iteration
// visits the same leaves backwards and that leaf_size() matches; a mismatch is
// printed as "ERROR ..." and the driver exits with status 3.
//
// Keys are printed with %.17g (double) or %ld (long).

#include <mdds/flat_segment_tree.hpp>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

void print_key(std::ostream& os, long k)
{
    os << k;
}

void print_key(std::ostream& os, double k)
{
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.17g", k);
    os << buf;
}

template<typename K>
class runner
{
    using tree_type = mdds::flat_segment_tree<K, long>;

    std::unique_ptr<tree_type> m_tree;
    K m_min{}, m_max{};
    long m_init = 0;

    std::vector<std::pair<K, long>> leaves() const
    {
        std::vector<std::pair<K, long>> out;
        for (auto it = m_tree->begin(); it != m_tree->end(); ++it)
            out.emplace_back(it->first, it->second);
        return out;
    }

    // check_consistency compares reverse iteration and leaf_size() with the
    // forward leaf list. It returns an empty string when they agree.
    std::string check_consistency(const std::vector<std::pair<K, long>>& fwd) const
    {
        std::vector<std::pair<K, long>> rev;
        for (auto it = m_tree->rbegin(); it != m_tree->rend(); ++it)
            rev.emplace_back(it->first, it->second);
        if (rev.size() != fwd.size())
            return "reverse iteration length differs";
        for (size_t i = 0; i < fwd.size(); ++i)
        {
            if (rev[rev.size() - 1 - i] != fwd[i])
                return "reverse iteration differs";
        }
        if (m_tree->leaf_size() != fwd.size())
            return "leaf_size differs from iteration";
        return std::string();
    }

    static bool canonical(const std::vector<std::pair<K, long>>& lv)
    {
        // The rightmost leaf carries no segment; compare values of the
        // segment-start leaves only.
        for (size_t i = 1; i + 1 < lv.size(); ++i)
        {
            if (lv[i].second == lv[i - 1].second)
                return false;
        }
        return true;
    }

    void rebuild_canonical(const std::vector<std::pair<K, long>>& lv)
    {
        auto fresh = std::make_unique<tree_type>(m_min, m_max, m_init);
        for (size_t i = 0; i + 1 < lv.size(); ++i)
            fresh->insert_back(lv[i].first, lv[i + 1].first, lv[i].second);
        m_tree = std::move(fresh);
    }

    void emit(const std::string& result)
    {
        auto lv = leaves();
        std::string err = check_consistency(lv);
        if (!err.empty())
        {
            std::cout << "ERROR " << err << std::endl;
            std::exit(3);
        }
        bool canon = canonical(lv);
        std::ostringstream os;
        if (!canon)
            os << "NONCANON ";
        os << result << " |";
        for (const auto& kv : lv)
        {
            os << ' ';
            print_key(os, kv.first);
            os << ':' << kv.second;
        }
        std::cout << os.str() << '\n';
        if (!canon)
            rebuild_canonical(lv);
    }

    static int bad_operands(const std::string& line)
    {
        std::cout << "ERROR bad operands: " << line << std::endl;
        return 2;
    }

public:
    int run(std::istream& in)
    {
        std::string line;
        while (std::getline(in, line))
        {
            std::istringstream is(line);
            std::string op;
            if (!(is >> op))
                continue;

            if (op == "N")
            {
                K lo, hi;
                long init;
                if (!(is >> lo >> hi >> init))
                    return bad_operands(line);
                m_min = lo;
                m_max = hi;
                m_init = init;
                m_tree = std::make_unique<tree_type>(lo, hi, init);
                emit("ok");
                continue;
            }
            if (!m_tree)
            {
                std::cout << "ERROR no tree" << std::endl;
                return 2;
            }
            if (op == "I" || op == "B")
            {
                K s, e;
                long v;
                if (!(is >> s >> e >> v))
                    return bad_operands(line);
                auto r = op == "I" ? m_tree->insert_front(s, e, v) : m_tree->insert_back(s, e, v);
                emit(r.second ? "changed=1" : "changed=0");
            }
            else if (op == "L")
            {
                K s, e;
                if (!(is >> s >> e))
                    return bad_operands(line);
                m_tree->shift_left(s, e);
                emit("ok");
            }
            else if (op == "R")
            {
                K pos, size;
                int skip;
                if (!(is >> pos >> size >> skip))
                    return bad_operands(line);
                m_tree->shift_right(pos, size, skip != 0);
                emit("ok");
            }
            else if (op == "C")
            {
                m_tree->clear();
                emit("ok");
            }
            else if (op == "S")
            {
                K key;
                if (!(is >> key))
                    return bad_operands(line);
                long v = 0;
                K s{}, e{};
                auto r = m_tree->search(key, v, &s, &e);
                if (r.second)
                {
                    std::ostringstream os;
                    os << "found ";
                    print_key(os, s);
                    os << ' ';
                    print_key(os, e);
                    os << ' ' << v;
                    emit(os.str());
                }
                else
                    emit("none");
            }
            else if (op == "P")
            {
                emit("ok");
            }
            else
            {
                std::cout << "ERROR unknown op " << op << std::endl;
                return 2;
            }
        }
        std::cout.flush();
        return 0;
    }
};

} // namespace

int main(int argc, char** argv)
{
    std::ios::sync_with_stdio(false);
    if (argc != 2)
    {
        std::cerr << "usage: driver long|double" << std::endl;
        return 2;
    }
    if (std::strcmp(argv[1], "long") == 0)
        return runner<long>().run(std::cin);
    if (std::strcmp(argv[1], "double") == 0)
        return runner<double>().run(std::cin);
    std::cerr << "unknown key type " << argv[1] << std::endl;
    return 2;
}
