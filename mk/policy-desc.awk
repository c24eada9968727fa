# The description of a built-in policy for `fbload list`: the first
# sentence of its source's header comment ("NAME: text. ..."), cut before
# any parenthesis, as a C string literal.
NR == 1 { next }
/^ \*\/?$/ || /^ \*\// { if (text != "") exit; next }
/^ \* / { sub(/^ \* /, ""); text = text (text == "" ? "" : " ") $0; next }
/^[^ ]/ { if (text != "") exit }
END {
	sub(/^[A-Za-z0-9_-]+: /, "", text)
	sub(/ \(.*/, "", text)
	sub(/\. .*/, "", text)
	sub(/\.$/, "", text)
	gsub(/\\/, "\\\\", text)
	gsub(/"/, "\\\"", text)
	printf "\"%s\"", text
}
