// Reads lines "<Type> <hex>" on stdin; for each, decodes the bytes into the generated Go type and
// prints the hex of its re-encoding. Then prints "<Type> <hex>" for values built here in Go.
package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

// HostCall is not reached: this program only encodes and decodes.
func HostCall(binding, namespace, operation string, payload []byte) ([]byte, error) {
	return nil, fmt.Errorf("no host")
}

type codec interface {
	EncodeMsgpack(e *Encoder)
	DecodeMsgpack(d *Decoder)
}

func value(name string) codec {
	switch name {
	case "GetResponse":
		return &GetResponse{}
	case "IncrementRequest":
		return &IncrementRequest{}
	case "SetRequest":
		return &SetRequest{}
	case "ListAddRequest":
		return &ListAddRequest{}
	case "ListRangeRequest":
		return &ListRangeRequest{}
	case "SetDelRequest":
		return &SetDelRequest{}
	}
	return nil
}

func encode(v codec) string {
	e := NewEncoder()
	v.EncodeMsgpack(e)
	return hex.EncodeToString(e.Bytes())
}

func main() {
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<16), 1<<22)
	for scanner.Scan() {
		name, text, _ := strings.Cut(strings.TrimSpace(scanner.Text()), " ")
		raw, err := hex.DecodeString(text)
		v := value(name)
		if err != nil || v == nil {
			fmt.Println("error", name)
			continue
		}
		d := NewDecoder(raw)
		v.DecodeMsgpack(d)
		if err := d.Finish(); err != nil {
			fmt.Println("error", err)
			continue
		}
		fmt.Println(encode(v))
	}
	fmt.Println("IncrementRequest", encode(&IncrementRequest{Key: "counter:go", Value: -300}))
	fmt.Println("SetRequest", encode(&SetRequest{Key: strings.Repeat("k", 40), Value: "v", Expires: 70000}))
	fmt.Println("ListRangeRequest", encode(&ListRangeRequest{ListName: "l", Start: -1, Stop: 2147483647}))
}
