//! {{project-name}}: a wasmCloud capability provider for the `{{capability_id}}` contract.
//!
//! The host starts it with its host data on stdin; `provider_main` connects to the lattice, delivers
//! links and serves `Factorial.Calculate` until the host shuts it down.

mod factorial;

use factorial::{Factorial, FactorialReceiver};
use wasmbus_rpc::provider::prelude::*;

/// The provider. It keeps no per-actor state, so links need no bookkeeping.
#[derive(Default, Clone, Provider)]
#[services(Factorial)]
struct {{project-name | pascal_case}}Provider {}

impl ProviderDispatch for {{project-name | pascal_case}}Provider {}

#[async_trait]
impl ProviderHandler for {{project-name | pascal_case}}Provider {
    async fn put_link(&self, _ld: &LinkDefinition) -> RpcResult<bool> {
        Ok(true)
    }
}

#[async_trait]
impl Factorial for {{project-name | pascal_case}}Provider {
    async fn calculate(&self, _ctx: &Context, arg: &u32) -> RpcResult<u64> {
        factorial(*arg).ok_or_else(|| {
            RpcError::InvalidParameter(format!("the factorial of {arg} does not fit in 64 bits"))
        })
    }
}

/// `n!`, or `None` when it overflows a `u64` (from 21 on).
fn factorial(n: u32) -> Option<u64> {
    (1..=u64::from(n)).try_fold(1u64, |acc, k| acc.checked_mul(k))
}

/// Reads the host data from stdin, connects to the lattice and serves until the host shuts it down.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    provider_main(
        {{project-name | pascal_case}}Provider::default(),
        Some("{{project-name}} provider".to_owned()),
    )?;
    eprintln!("{{project-name}} provider exiting");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::factorial;

    /// Small factorials are exact and the first one past `u64::MAX` is refused.
    #[test]
    fn factorials_fit_or_are_refused() {
        assert_eq!(factorial(0), Some(1));
        assert_eq!(factorial(5), Some(120));
        assert_eq!(factorial(20), Some(2_432_902_008_176_640_000));
        assert_eq!(factorial(21), None);
    }
}
