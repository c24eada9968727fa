# gen.pl KIND MIB OUT: the input files of tests/bench/vm-apps.sh, made on
# the host (fixed seed). sort: "NUMBER WORD WORD" lines in random order;
# text: lines of words with a skewed vocabulary, compressible like prose.
use strict;
my ($kind, $mib, $out) = @ARGV;
srand(42);
open(my $f, '>', $out) or die "$out: $!\n";
my @w = map { join '', map { chr(97 + int(rand(26))) } 1 .. 3 + int(rand(8)) } 1 .. 4000;
my $n = 0;
while ($n < $mib * 1048576) {
	my $l = $kind eq 'sort'
		? sprintf("%08d %s %s\n", int(rand(1e8)), $w[rand @w], $w[rand @w])
		: join(' ', map { $w[int(rand(rand(4000)))] } 1 .. 12) . ' ' . int(rand(1e6)) . "\n";
	print $f $l;
	$n += length $l;
}
close $f or die "$out: $!\n";
