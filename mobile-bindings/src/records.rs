//! Records and enums crossing the boundary: plain data converted from the core's types, each
//! state and kind an enum, money a decimal, our own times instants and durations.

mod call;
mod chat;
mod consultation;
mod people;
mod profile;
mod voice;

pub use call::*;
pub use chat::*;
pub use consultation::*;
pub use people::*;
pub use profile::*;
pub use voice::*;

/// A uniffi enum mirroring a C-like core enum variant for variant. The core's enums may grow
/// (`#[non_exhaustive]`): a variant added there and not here maps to `$fallback`, and the
/// `every_core_variant_has_its_mirror` test fails until it is added here.
macro_rules! mirror_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident from $core:ident {
            $( $(#[$vmeta:meta])* $variant:ident ),+ $(,)?
        } else $fallback:ident
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl From<$core> for $name {
            #[allow(unreachable_patterns)]
            fn from(v: $core) -> Self {
                match v {
                    $( $core::$variant => $name::$variant, )+
                    _ => $name::$fallback,
                }
            }
        }
    };
}
pub(crate) use mirror_enum;

#[cfg(test)]
mod tests;
