# The description of a built-in policy for `fbload list`: the string its
# FB_POLICY(NAME, "description", ...) declares (on the FB_POLICY line), as
# a C string literal; "" if there is none.
/^FB_POLICY\(/ && match($0, /"([^"\\]|\\.)*"/) {
	desc = substr($0, RSTART, RLENGTH)
	exit
}
END { print (desc == "" ? "\"\"" : desc) }
