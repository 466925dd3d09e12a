<?php

use Illuminate\Support\Facades\Route;

Route::get('/tickets', fn () => ['tickets' => []]);
