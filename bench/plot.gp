# gridseal: per-message CPU cost against payload size, one line per approach.
# Usage: gnuplot -e "datafile='perf-payload.dat'; outfile='docs/perf-payload.svg'" bench/plot.gp
# The data file is written by gridseal-bench --dat (columns: payload, then
# µs per message for each approach, in the order of the titles below).
if (!exists("datafile")) datafile = 'perf-payload.dat'
if (!exists("outfile")) outfile = 'perf-payload.svg'

set terminal svg size 900,560 dynamic enhanced font 'sans,12' background rgb 'white'
set output outfile
set title 'CPU per message (sender + receiver), median'
set xlabel 'payload (octets)'
set ylabel 'µs per message'
set logscale xy
set xtics (16, 64, 100, 256, 1024, 4096, 16384)
set grid xtics ytics mytics
set key outside right top
set datafile missing 'NaN'

plot datafile using 1:2 with linespoints lw 2 title 'bare AES-256-GCM seal+open', \
     '' using 1:3 with linespoints lw 2 title 'gridseal AEAD (aes256-GCM)', \
     '' using 1:4 with linespoints lw 2 title 'gridseal EtM (aes128-CBC+HMAC)', \
     '' using 1:5 with linespoints lw 2 title 'gridseal integrity (HMAC)', \
     '' using 1:6 with linespoints lw 2 title 'TLS 1.3 record via relay', \
     '' using 1:7 with linespoints lw 2 title 'msg: ECDSA sign+verify', \
     '' using 1:8 with linespoints lw 2 title 'msg: ECDH-ES + GCM', \
     '' using 1:9 with linespoints lw 2 title 'msg: sign + ECDH-ES'
