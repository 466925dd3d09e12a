<?php

require __DIR__ . '/../vendor/autoload.php';

$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
header('Content-Type: application/json');

if ($path === '/status') {
    echo json_encode(['status' => 'ok']);
    return;
}
echo json_encode(['entries' => []]);
