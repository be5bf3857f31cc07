pub mod support;
pub mod webdriver;
pub mod network;
