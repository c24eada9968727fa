# The interpreted-language program of tests/bench/vm-apps.sh: build a hash
# of N keys (each an array of a number and a string), look up random keys
# twice over, then walk it in key order. No modules: the guest has none.
my $n = $ARGV[0] || 60000;
srand(7);
my (%h, @k);
for my $i (1 .. $n) {
	my $k = 'k' . int(rand(1e9)) . "_$i";
	$h{$k} = [$i, 'v' x (20 + $i % 40)];
	push @k, $k;
}
my $s = 0;
for my $p (1 .. 2) {
	$s += $h{$k[rand @k]}[0] for 1 .. $n;
}
$s += length $h{$_}[1] for sort keys %h;
print "$s\n";
