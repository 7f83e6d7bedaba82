// Package wasmbus is a small wasmCloud 0.x actor SDK for mainline Go's wasip1 target: the wasmbus
// guest ABI (the host calls __guest_call; the actor answers through __guest_response or
// __guest_error and calls out with __host_call), MessagePack, and the typed HttpServer and KeyValue
// interfaces. It needs the standard library only.
//
// Build an actor as a WASI reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o build/actor.wasm .
//
// Handlers are registered from an init function; main is never called.
package wasmbus

import (
	"fmt"
	"unsafe"
)

//go:wasmimport wasmbus __guest_request
func guestRequest(op unsafe.Pointer, msg unsafe.Pointer)

//go:wasmimport wasmbus __guest_response
func guestResponse(ptr unsafe.Pointer, n uint32)

//go:wasmimport wasmbus __guest_error
func guestError(ptr unsafe.Pointer, n uint32)

//go:wasmimport wasmbus __host_call
func hostCall(bd unsafe.Pointer, bdLen uint32, ns unsafe.Pointer, nsLen uint32, op unsafe.Pointer, opLen uint32, msg unsafe.Pointer, msgLen uint32) uint32

//go:wasmimport wasmbus __host_response_len
func hostResponseLen() uint32

//go:wasmimport wasmbus __host_response
func hostResponse(ptr unsafe.Pointer)

//go:wasmimport wasmbus __host_error_len
func hostErrorLen() uint32

//go:wasmimport wasmbus __host_error
func hostError(ptr unsafe.Pointer)

//go:wasmimport wasmbus __console_log
func consoleLog(ptr unsafe.Pointer, n uint32)

// Handler answers one operation: it gets the encoded argument and returns the encoded result.
type Handler func(payload []byte) ([]byte, error)

var handlers = map[string]Handler{}

// Handle registers the handler of an operation (`<Service>.<Method>`, e.g. HttpServer.HandleRequest).
func Handle(operation string, handler Handler) { handlers[operation] = handler }

func bytesPtr(b []byte) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(b)) }

func stringPtr(s string) unsafe.Pointer { return unsafe.Pointer(unsafe.StringData(s)) }

//go:wasmexport __guest_call
func guestCall(opLen uint32, msgLen uint32) uint32 {
	op := make([]byte, opLen)
	msg := make([]byte, msgLen)
	guestRequest(bytesPtr(op), bytesPtr(msg))
	result, err := dispatch(string(op), msg)
	if err != nil {
		text := err.Error()
		guestError(stringPtr(text), uint32(len(text)))
		return 0
	}
	guestResponse(bytesPtr(result), uint32(len(result)))
	return 1
}

// dispatch runs the handler of op; a panic becomes an error instead of a trap.
func dispatch(op string, msg []byte) (result []byte, err error) {
	handler, ok := handlers[op]
	if !ok {
		return nil, fmt.Errorf("%s - unknown method", op)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("Guest call failed for method %s: panic: %v", op, p)
		}
	}()
	result, err = handler(msg)
	if err != nil {
		return nil, fmt.Errorf("Guest call failed for method %s: %w", op, err)
	}
	return result, nil
}

// HostError is a failed outbound call: the host's (or the provider's) error message.
type HostError struct {
	Operation string
	Message   string
}

func (e *HostError) Error() string { return e.Operation + ": " + e.Message }

// HostCall performs an outbound call: binding is the link name (provider calls) or "" (actor calls),
// namespace the contract id or the target actor, operation `<Service>.<Method>`.
func HostCall(binding, namespace, operation string, payload []byte) ([]byte, error) {
	ok := hostCall(stringPtr(binding), uint32(len(binding)), stringPtr(namespace), uint32(len(namespace)),
		stringPtr(operation), uint32(len(operation)), bytesPtr(payload), uint32(len(payload)))
	if ok != 1 {
		message := make([]byte, hostErrorLen())
		if len(message) > 0 {
			hostError(bytesPtr(message))
		}
		return nil, &HostError{Operation: operation, Message: string(message)}
	}
	response := make([]byte, hostResponseLen())
	if len(response) > 0 {
		hostResponse(bytesPtr(response))
	}
	return response, nil
}

// ConsoleLog writes a line to the host's log.
func ConsoleLog(line string) { consoleLog(stringPtr(line), uint32(len(line))) }

// Encodable is a value that writes itself as MessagePack.
type Encodable interface{ EncodeMsgpack(e *Encoder) }

// Decodable is a value that reads itself from MessagePack.
type Decodable interface{ DecodeMsgpack(d *Decoder) }

// Encode returns the MessagePack bytes of v.
func Encode(v Encodable) []byte {
	e := NewEncoder()
	v.EncodeMsgpack(e)
	return e.Bytes()
}

// Decode reads v from the whole of buf.
func Decode(buf []byte, v Decodable) error {
	d := NewDecoder(buf)
	v.DecodeMsgpack(d)
	return d.Finish()
}
