pub mod support;
pub mod webdriver;
pub mod driver;
pub mod network;
pub mod postgres;
