# fbtrace: its BPF program (bpf/fbtrace.bpf.c) embedded as a skeleton.
BINS += fbtrace
$(BUILD)/cmd/fbtrace/main.o: $(BUILD)/fbtrace.skel.h
