# Asynchronous pre-zeroing (HawkEye): prezero-ctl drives the kernel's
# /sys/kernel/mm/prezero interface (issue 8).
BINS += prezero-ctl
