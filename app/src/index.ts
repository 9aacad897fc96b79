// Entry of the back-office bundle served at /app: registers every element.
import "./define.js";
