# gridseal: the fleet at scale through the 2-node ejabberd cluster
# (scripts/bench-scale, docs/SCALE.md). Usage:
#   gnuplot -e "datafile='scale.dat'; outdir='docs'" bench/plot_scale.gp
# Columns of the data file (one line per fleet size, written by
# scripts/bench-scale): 1 DERs, 2 association time E2E (s), 3 the same
# pass-through (s), 4 p50 latency E2E (ms), 5 p99 E2E, 6 p50 pass-through,
# 7 p99 pass-through, 8 path CPU per report E2E (µs), 9 pass-through,
# 10 cc CPU per report (µs), 11 cc CPU per handshake (µs).
if (!exists("datafile")) datafile = 'scale.dat'
if (!exists("outdir")) outdir = 'docs'

set terminal svg size 800,480 dynamic enhanced font 'sans,12' background rgb 'white'
set grid
set key left top
set xlabel 'DERs'
set logscale x
set datafile missing 'NaN'

set output outdir.'/scale-assoc.svg'
set title 'Whole fleet associated from a cold start (logins + handshakes)'
set ylabel 's'
plot datafile using 1:2 with linespoints lw 2 title 'E2E (gridseal)', \
     '' using 1:3 with linespoints lw 2 title 'pass-through (no E2E)'

set output outdir.'/scale-latency.svg'
set title 'Report latency DER -> cc through the cluster'
set ylabel 'ms'
plot datafile using 1:4 with linespoints lw 2 title 'E2E p50', \
     '' using 1:5 with linespoints lw 2 title 'E2E p99', \
     '' using 1:6 with linespoints lw 2 dt 2 title 'pass-through p50', \
     '' using 1:7 with linespoints lw 2 dt 2 title 'pass-through p99'

set output outdir.'/scale-cpu.svg'
set title 'CPU per report over the run (DERs + cc + both ejabberd nodes)'
set ylabel 'µs'
plot datafile using 1:8 with linespoints lw 2 title 'path, E2E', \
     '' using 1:9 with linespoints lw 2 title 'path, pass-through', \
     '' using 1:10 with linespoints lw 2 title 'cc alone, per report (E2E)', \
     '' using 1:11 with linespoints lw 2 title 'cc alone, per handshake (E2E)'
