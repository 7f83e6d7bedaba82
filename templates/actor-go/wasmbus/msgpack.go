// MessagePack as the wasmCloud 0.x interfaces use it: structs are maps keyed by the Smithy member
// name, integers take their smallest form, blobs are msgpack bin — the bytes rmp-serde writes.

package wasmbus

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Encoder appends MessagePack values to a byte slice.
type Encoder struct {
	buf []byte
}

// NewEncoder returns an empty encoder.
func NewEncoder() *Encoder { return &Encoder{} }

// Bytes returns everything written so far.
func (e *Encoder) Bytes() []byte { return e.buf }

func (e *Encoder) put(b ...byte) { e.buf = append(e.buf, b...) }

func (e *Encoder) put16(tag byte, n uint16) { e.put(tag, byte(n>>8), byte(n)) }

func (e *Encoder) put32(tag byte, n uint32) {
	e.put(tag, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

func (e *Encoder) put64(tag byte, n uint64) {
	e.put(tag)
	for shift := 56; shift >= 0; shift -= 8 {
		e.put(byte(n >> uint(shift)))
	}
}

// WriteNil writes nil.
func (e *Encoder) WriteNil() { e.put(0xc0) }

// WriteBool writes a bool.
func (e *Encoder) WriteBool(v bool) {
	if v {
		e.put(0xc3)
	} else {
		e.put(0xc2)
	}
}

// WriteUint writes an unsigned integer in its smallest form.
func (e *Encoder) WriteUint(v uint64) {
	switch {
	case v < 128:
		e.put(byte(v))
	case v <= math.MaxUint8:
		e.put(0xcc, byte(v))
	case v <= math.MaxUint16:
		e.put16(0xcd, uint16(v))
	case v <= math.MaxUint32:
		e.put32(0xce, uint32(v))
	default:
		e.put64(0xcf, v)
	}
}

// WriteInt writes a signed integer in its smallest form (non-negative values as unsigned).
func (e *Encoder) WriteInt(v int64) {
	switch {
	case v >= 0:
		e.WriteUint(uint64(v))
	case v >= -32:
		e.put(byte(v))
	case v >= math.MinInt8:
		e.put(0xd0, byte(v))
	case v >= math.MinInt16:
		e.put16(0xd1, uint16(v))
	case v >= math.MinInt32:
		e.put32(0xd2, uint32(v))
	default:
		e.put64(0xd3, uint64(v))
	}
}

// WriteFloat32 writes a 32-bit float.
func (e *Encoder) WriteFloat32(v float32) { e.put32(0xca, math.Float32bits(v)) }

// WriteFloat64 writes a 64-bit float.
func (e *Encoder) WriteFloat64(v float64) { e.put64(0xcb, math.Float64bits(v)) }

// WriteString writes a UTF-8 string.
func (e *Encoder) WriteString(v string) {
	n := len(v)
	switch {
	case n < 32:
		e.put(0xa0 | byte(n))
	case n <= math.MaxUint8:
		e.put(0xd9, byte(n))
	case n <= math.MaxUint16:
		e.put16(0xda, uint16(n))
	default:
		e.put32(0xdb, uint32(n))
	}
	e.buf = append(e.buf, v...)
}

// WriteBytes writes a blob (msgpack bin).
func (e *Encoder) WriteBytes(v []byte) {
	n := len(v)
	switch {
	case n <= math.MaxUint8:
		e.put(0xc4, byte(n))
	case n <= math.MaxUint16:
		e.put16(0xc5, uint16(n))
	default:
		e.put32(0xc6, uint32(n))
	}
	e.buf = append(e.buf, v...)
}

// WriteArrayLen starts an array of n values.
func (e *Encoder) WriteArrayLen(n int) {
	switch {
	case n < 16:
		e.put(0x90 | byte(n))
	case n <= math.MaxUint16:
		e.put16(0xdc, uint16(n))
	default:
		e.put32(0xdd, uint32(n))
	}
}

// WriteMapLen starts a map of n key/value pairs.
func (e *Encoder) WriteMapLen(n int) {
	switch {
	case n < 16:
		e.put(0x80 | byte(n))
	case n <= math.MaxUint16:
		e.put16(0xde, uint16(n))
	default:
		e.put32(0xdf, uint32(n))
	}
}

// WriteStrings writes an array of strings.
func (e *Encoder) WriteStrings(v []string) {
	e.WriteArrayLen(len(v))
	for _, s := range v {
		e.WriteString(s)
	}
}

// WriteHeaderMap writes a map of string to string arrays, keys sorted so the bytes are stable.
func (e *Encoder) WriteHeaderMap(v map[string][]string) {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	e.WriteMapLen(len(keys))
	for _, k := range keys {
		e.WriteString(k)
		e.WriteStrings(v[k])
	}
}

// Decoder reads MessagePack values. The first error sticks: later reads return zero values, and
// Err reports it.
type Decoder struct {
	buf []byte
	pos int
	err error
}

// NewDecoder reads from buf.
func NewDecoder(buf []byte) *Decoder { return &Decoder{buf: buf} }

// Err is the first error met, or nil.
func (d *Decoder) Err() error { return d.err }

func (d *Decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("msgpack: "+format+" at byte %d", append(args, d.pos)...)
	}
}

var errShort = errors.New("msgpack: unexpected end of input")

func (d *Decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || len(d.buf)-d.pos < n {
		d.err = errShort
		return nil
	}
	out := d.buf[d.pos : d.pos+n]
	d.pos += n
	return out
}

func (d *Decoder) uintN(n int) uint64 {
	var v uint64
	for _, b := range d.take(n) {
		v = v<<8 | uint64(b)
	}
	return v
}

func (d *Decoder) peek() byte {
	if d.err != nil {
		return 0
	}
	if d.pos >= len(d.buf) {
		d.err = errShort
		return 0
	}
	return d.buf[d.pos]
}

// IsNil says whether the next value is nil (without reading it).
func (d *Decoder) IsNil() bool { return d.err == nil && d.pos < len(d.buf) && d.buf[d.pos] == 0xc0 }

// Nil reads a nil.
func (d *Decoder) Nil() {
	if t := d.peek(); t != 0xc0 {
		d.fail("expected nil, found 0x%02x", t)
		return
	}
	d.pos++
}

// Bool reads a bool.
func (d *Decoder) Bool() bool {
	switch t := d.peek(); t {
	case 0xc2, 0xc3:
		d.pos++
		return t == 0xc3
	default:
		d.fail("expected a bool, found 0x%02x", t)
		return false
	}
}

// Int reads any integer as int64 (an unsigned one above the int64 range is an error).
func (d *Decoder) Int() int64 {
	t := d.peek()
	if d.err != nil {
		return 0
	}
	switch {
	case t < 0x80:
		d.pos++
		return int64(t)
	case t >= 0xe0:
		d.pos++
		return int64(int8(t))
	}
	d.pos++
	switch t {
	case 0xcc:
		return int64(d.uintN(1))
	case 0xcd:
		return int64(d.uintN(2))
	case 0xce:
		return int64(d.uintN(4))
	case 0xcf:
		v := d.uintN(8)
		if v > math.MaxInt64 {
			d.fail("integer %d out of range", v)
			return 0
		}
		return int64(v)
	case 0xd0:
		return int64(int8(d.uintN(1)))
	case 0xd1:
		return int64(int16(d.uintN(2)))
	case 0xd2:
		return int64(int32(d.uintN(4)))
	case 0xd3:
		return int64(d.uintN(8))
	}
	d.pos--
	d.fail("expected an integer, found 0x%02x", t)
	return 0
}

// Uint reads a non-negative integer as uint64.
func (d *Decoder) Uint() uint64 {
	if t := d.peek(); t == 0xcf {
		d.pos++
		return d.uintN(8)
	}
	v := d.Int()
	if v < 0 {
		d.fail("expected an unsigned integer, found %d", v)
		return 0
	}
	return uint64(v)
}

func (d *Decoder) ranged(v, lo, hi int64) int64 {
	if v < lo || v > hi {
		d.fail("integer %d out of range [%d, %d]", v, lo, hi)
		return 0
	}
	return v
}

// Int8 reads an integer that fits int8.
func (d *Decoder) Int8() int8 { return int8(d.ranged(d.Int(), math.MinInt8, math.MaxInt8)) }

// Int16 reads an integer that fits int16.
func (d *Decoder) Int16() int16 { return int16(d.ranged(d.Int(), math.MinInt16, math.MaxInt16)) }

// Int32 reads an integer that fits int32.
func (d *Decoder) Int32() int32 { return int32(d.ranged(d.Int(), math.MinInt32, math.MaxInt32)) }

// Int64 reads an integer that fits int64.
func (d *Decoder) Int64() int64 { return d.Int() }

// Uint8 reads an integer that fits uint8.
func (d *Decoder) Uint8() uint8 { return uint8(d.ranged(d.Int(), 0, math.MaxUint8)) }

// Uint16 reads an integer that fits uint16.
func (d *Decoder) Uint16() uint16 { return uint16(d.ranged(d.Int(), 0, math.MaxUint16)) }

// Uint32 reads an integer that fits uint32.
func (d *Decoder) Uint32() uint32 { return uint32(d.ranged(d.Int(), 0, math.MaxUint32)) }

// Uint64 reads an unsigned integer.
func (d *Decoder) Uint64() uint64 { return d.Uint() }

// Float64 reads a float (or an integer) as float64.
func (d *Decoder) Float64() float64 {
	switch t := d.peek(); t {
	case 0xca:
		d.pos++
		return float64(math.Float32frombits(uint32(d.uintN(4))))
	case 0xcb:
		d.pos++
		return math.Float64frombits(d.uintN(8))
	default:
		return float64(d.Int())
	}
}

// Float32 reads a float as float32.
func (d *Decoder) Float32() float32 { return float32(d.Float64()) }

// raw reads a str or bin value's bytes.
func (d *Decoder) raw(what string) []byte {
	t := d.peek()
	if d.err != nil {
		return nil
	}
	d.pos++
	switch {
	case t&0xe0 == 0xa0:
		return d.take(int(t & 0x1f))
	case t == 0xd9 || t == 0xc4:
		return d.take(int(d.uintN(1)))
	case t == 0xda || t == 0xc5:
		return d.take(int(d.uintN(2)))
	case t == 0xdb || t == 0xc6:
		return d.take(int(d.uintN(4)))
	}
	d.pos--
	d.fail("expected %s, found 0x%02x", what, t)
	return nil
}

// String reads a string (bin is accepted too).
func (d *Decoder) String() string { return string(d.raw("a string")) }

// Bytes reads a blob (bin; str and an array of small integers are accepted too).
func (d *Decoder) Bytes() []byte {
	if t := d.peek(); d.err == nil && (t&0xf0 == 0x90 || t == 0xdc || t == 0xdd) {
		n := d.ArrayLen()
		out := make([]byte, 0, n)
		for i := 0; i < n && d.err == nil; i++ {
			out = append(out, d.Uint8())
		}
		return out
	}
	return append([]byte(nil), d.raw("a blob")...)
}

func (d *Decoder) length(fix, fixMask, tag16, tag32 byte, what string) int {
	t := d.peek()
	if d.err != nil {
		return 0
	}
	d.pos++
	switch {
	case t&^fixMask == fix:
		return int(t & fixMask)
	case t == tag16:
		return int(d.uintN(2))
	case t == tag32:
		return int(d.uintN(4))
	}
	d.pos--
	d.fail("expected %s, found 0x%02x", what, t)
	return 0
}

// ArrayLen reads the header of an array: its number of values.
func (d *Decoder) ArrayLen() int { return d.length(0x90, 0x0f, 0xdc, 0xdd, "an array") }

// MapLen reads the header of a map: its number of pairs.
func (d *Decoder) MapLen() int { return d.length(0x80, 0x0f, 0xde, 0xdf, "a map") }

// IsArray says whether the next value is an array.
func (d *Decoder) IsArray() bool {
	if d.err != nil || d.pos >= len(d.buf) {
		return false
	}
	t := d.buf[d.pos]
	return t&0xf0 == 0x90 || t == 0xdc || t == 0xdd
}

// Strings reads an array of strings.
func (d *Decoder) Strings() []string {
	n := d.ArrayLen()
	out := make([]string, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		out = append(out, d.String())
	}
	return out
}

// HeaderMap reads a map of string to string arrays.
func (d *Decoder) HeaderMap() map[string][]string {
	n := d.MapLen()
	out := make(map[string][]string, n)
	for i := 0; i < n && d.err == nil; i++ {
		k := d.String()
		out[k] = d.Strings()
	}
	return out
}

// Struct reads a struct written as a map keyed by field name (or, as rmp-serde also accepts, as an
// array in field order), calling field for each member; field must read the value, or Skip it.
func (d *Decoder) Struct(names []string, field func(name string)) {
	if d.IsArray() {
		n := d.ArrayLen()
		for i := 0; i < n && d.err == nil; i++ {
			if i < len(names) {
				field(names[i])
			} else {
				d.Skip()
			}
		}
		return
	}
	n := d.MapLen()
	for i := 0; i < n && d.err == nil; i++ {
		field(d.String())
	}
}

// Skip reads and drops one value of any type.
func (d *Decoder) Skip() {
	t := d.peek()
	if d.err != nil {
		return
	}
	switch {
	case t < 0x80 || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3:
		d.pos++
	case t&0xf0 == 0x80 || t == 0xde || t == 0xdf:
		n := d.MapLen()
		for i := 0; i < 2*n && d.err == nil; i++ {
			d.Skip()
		}
	case t&0xf0 == 0x90 || t == 0xdc || t == 0xdd:
		n := d.ArrayLen()
		for i := 0; i < n && d.err == nil; i++ {
			d.Skip()
		}
	case t&0xe0 == 0xa0 || t == 0xd9 || t == 0xda || t == 0xdb || t == 0xc4 || t == 0xc5 || t == 0xc6:
		d.raw("a string")
	case t == 0xcc || t == 0xd0:
		d.pos++
		d.take(1)
	case t == 0xcd || t == 0xd1:
		d.pos++
		d.take(2)
	case t == 0xce || t == 0xd2 || t == 0xca:
		d.pos++
		d.take(4)
	case t == 0xcf || t == 0xd3 || t == 0xcb:
		d.pos++
		d.take(8)
	case t == 0xd4:
		d.pos++
		d.take(2)
	case t == 0xd5:
		d.pos++
		d.take(3)
	case t == 0xd6:
		d.pos++
		d.take(5)
	case t == 0xd7:
		d.pos++
		d.take(9)
	case t == 0xd8:
		d.pos++
		d.take(17)
	case t == 0xc7:
		d.pos++
		d.take(int(d.uintN(1)) + 1)
	case t == 0xc8:
		d.pos++
		d.take(int(d.uintN(2)) + 1)
	case t == 0xc9:
		d.pos++
		d.take(int(d.uintN(4)) + 1)
	default:
		d.fail("invalid type byte 0x%02x", t)
	}
}

// Finish checks the whole input was read and returns the first error.
func (d *Decoder) Finish() error {
	if d.err == nil && d.pos != len(d.buf) {
		d.fail("%d trailing bytes", len(d.buf)-d.pos)
	}
	return d.err
}
