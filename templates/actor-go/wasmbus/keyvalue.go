// wasmcloud:keyvalue — the KeyValue service an actor calls on a linked provider.

package wasmbus

// KeyValueContractID is the contract id of the key-value capability.
const KeyValueContractID = "wasmcloud:keyvalue"

// IncrementRequest is the argument of KeyValue.Increment.
type IncrementRequest struct {
	Key   string
	Value int32
}

// EncodeMsgpack writes the value as the map the Rust interface crate writes.
func (v *IncrementRequest) EncodeMsgpack(e *Encoder) {
	e.WriteMapLen(2)
	e.WriteString("key")
	e.WriteString(v.Key)
	e.WriteString("value")
	e.WriteInt(int64(v.Value))
}

// DecodeMsgpack reads the value.
func (v *IncrementRequest) DecodeMsgpack(d *Decoder) {
	d.Struct([]string{"key", "value"}, func(name string) {
		switch name {
		case "key":
			v.Key = d.String()
		case "value":
			v.Value = d.Int32()
		default:
			d.Skip()
		}
	})
}

// KeyValueSender calls KeyValue operations on the provider linked under LinkName.
type KeyValueSender struct {
	LinkName string
}

// NewKeyValueSender calls the provider of the "default" link.
func NewKeyValueSender() *KeyValueSender { return &KeyValueSender{LinkName: "default"} }

// Increment adds req.Value to the number under req.Key and returns the new value.
func (s *KeyValueSender) Increment(req *IncrementRequest) (int32, error) {
	out, err := HostCall(s.LinkName, KeyValueContractID, "KeyValue.Increment", Encode(req))
	if err != nil {
		return 0, err
	}
	d := NewDecoder(out)
	v := d.Int32()
	return v, d.Finish()
}
